/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuskctl: a thin client of tuskd's control socket (app/tuskd/ctl.h),
 * through the shared control-socket library (app/ctl/ctl_client.h).
 *
 *   tuskctl [-s SOCKET] [--json] COMMAND [ARG...]
 *
 * Sends {"cmd": COMMAND, ...} as one line, reads one line back, and prints
 * it as JSON (--json, for machines) or as short aligned text (for people).
 * ARG is key=value, or a bare word taken as the port name (xstats PORT).
 * `watch` then prints every event tuskd sends, one line each (--json: the
 * raw lines), until tuskd closes the connection.
 * Exit status: 0 ok, 1 the command failed or tuskd is unreachable (or a
 * watch ended), 2 usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_client.h"
#include "tuskctl_iperf3.h"
#include "tuskctl_notebook.h"
#include "tuskctl_session.h"
#include "tuskctl_test.h"
#include "ctl_proto.h"

/* Environment variable naming the socket when -s is not given. */
#define TUSKCTL_SOCKET_ENV "TUSK_SOCKET"
/* tuskd answers within milliseconds; a stuck daemon must not hang a
 * script forever. */
#define TUSKCTL_TIMEOUT_MS 10000
/* `twamp` answers when its run is over: at most 60 s of schedule, 2 s of
 * waiting for late reflections and 3 s of slack (app/tuskd/ctl_twamp.c). */
#define TUSKCTL_TWAMP_TIMEOUT_MS 70000
/* Room for a reason from the client library: a path and a strerror. */
#define TUSKCTL_ERR_MAX 256
/* Columns in a printed table. */
#define TUSKCTL_COLS_MAX 14
/* Rows in a printed table: ARP caches of 256 entries on a few lcores. */
#define TUSKCTL_ROWS_MAX 1024
/* Longest printed cell. */
#define TUSKCTL_CELL_MAX 160

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum { EXIT_USAGE = 2 };

/* -------------------------------------------------------------- tables */

struct table {
	unsigned int ncols, nrows;
	char cell[TUSKCTL_ROWS_MAX][TUSKCTL_COLS_MAX][TUSKCTL_CELL_MAX];
};

static struct table tbl;

static void
table_start(unsigned int ncols, const char *const *heads)
{
	unsigned int c;

	tbl.ncols = ncols;
	tbl.nrows = 1;
	for (c = 0; c < ncols; c++)
		snprintf(tbl.cell[0][c], TUSKCTL_CELL_MAX, "%s", heads[c]);
}

static char *
table_cell(unsigned int row, unsigned int col)
{
	return tbl.cell[row][col];
}

static unsigned int
table_row(void)
{
	unsigned int c;

	if (tbl.nrows >= TUSKCTL_ROWS_MAX)
		return TUSKCTL_ROWS_MAX - 1; /* overwrite the last row */
	for (c = 0; c < tbl.ncols; c++)
		tbl.cell[tbl.nrows][c][0] = '\0';
	return tbl.nrows++;
}

static void
table_print(void)
{
	size_t w[TUSKCTL_COLS_MAX] = { 0 };
	unsigned int r, c;

	for (r = 0; r < tbl.nrows; r++)
		for (c = 0; c < tbl.ncols; c++)
			if (strlen(tbl.cell[r][c]) > w[c])
				w[c] = strlen(tbl.cell[r][c]);
	for (r = 0; r < tbl.nrows; r++) {
		for (c = 0; c < tbl.ncols; c++)
			printf(c + 1 < tbl.ncols ? "%-*s  " : "%-*s\n",
			       c + 1 < tbl.ncols ? (int)w[c] : 0,
			       tbl.cell[r][c]);
	}
}

/* Cell text of a JSON scalar. */
static void
cell_set(unsigned int row, unsigned int col, json_t *v)
{
	char *s = table_cell(row, col);

	if (json_is_string(v))
		snprintf(s, TUSKCTL_CELL_MAX, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(s, TUSKCTL_CELL_MAX, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_true(v) || json_is_false(v))
		snprintf(s, TUSKCTL_CELL_MAX, "%s",
			 json_is_true(v) ? "yes" : "no");
	else
		snprintf(s, TUSKCTL_CELL_MAX, "-");
}

/* "a,b,c" from a JSON array of strings, "-" when empty. */
static void
join_names(char *out, size_t len, json_t *arr)
{
	size_t i, used = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		int n = snprintf(out + used, len - used, "%s%s",
				 used ? "," : "", json_string_value(v));

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(out, len, "-");
}

/* --------------------------------------------------------- human views */

static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* "up 10000M full" */
static void
link_cell(char *out, json_t *link)
{
	const char *status = json_string_value(json_object_get(link,
								"status"));
	const char *duplex = json_string_value(json_object_get(link,
								"duplex"));
	json_int_t mbps = json_integer_value(json_object_get(link,
							      "speed_mbps"));

	snprintf(out, TUSKCTL_CELL_MAX, "%s %" JSON_INTEGER_FORMAT "M %s",
		 status ? status : "?", mbps, duplex ? duplex : "?");
}

static void
print_ports(json_t *res)
{
	static const char *const heads[] = {
		"NAME", "DRIVER", "MAC", "ADDRESS", "MTU", "LINK",
		"RX PKTS", "TX PKTS", "RX MISSED", "OFFLOAD HW", "OFFLOAD SW",
	};
	size_t i;
	json_t *p;

	table_start(11, heads);
	json_array_foreach(res, i, p) {
		unsigned int r = table_row();
		json_t *link = json_object_get(p, "link");
		json_t *cnt = json_object_get(p, "counters");
		json_t *off = json_object_get(p, "offloads");

		cell_set(r, 0, json_object_get(p, "name"));
		cell_set(r, 1, json_object_get(p, "driver"));
		cell_set(r, 2, json_object_get(p, "mac"));
		cell_set(r, 3, json_object_get(p, "address"));
		cell_set(r, 4, json_object_get(p, "mtu"));
		link_cell(table_cell(r, 5), link);
		cell_set(r, 6, json_object_get(cnt, "rx_packets"));
		cell_set(r, 7, json_object_get(cnt, "tx_packets"));
		cell_set(r, 8, json_object_get(cnt, "rx_missed"));
		join_names(table_cell(r, 9), TUSKCTL_CELL_MAX,
			   json_object_get(off, "hw"));
		join_names(table_cell(r, 10), TUSKCTL_CELL_MAX,
			   json_object_get(off, "sw"));
	}
	table_print();
	json_array_foreach(res, i, p)
		printf("%s: %s\n",
		       json_string_value(json_object_get(p, "name")),
		       json_string_value(json_object_get(p, "device")));
}

/* name value lines of an object's integer members, aligned; zeros
 * skipped when `nonzero`. */
static void
print_counters(json_t *o, bool nonzero, const char *indent)
{
	static const char *const heads[] = { "", "" };
	const char *key;
	json_t *v;

	table_start(2, heads);
	tbl.nrows = 0; /* no header line */
	json_object_foreach(o, key, v) {
		unsigned int r;

		if (!json_is_integer(v) || (nonzero && !json_integer_value(v)))
			continue;
		r = table_row();
		snprintf(table_cell(r, 0), TUSKCTL_CELL_MAX, "%s%s", indent,
			 key);
		cell_set(r, 1, v);
	}
	table_print();
}

static void
print_stats(json_t *res)
{
	static const char *const heads[] = {
		"LCORE", "LOOPS", "BUSY LOOPS", "IDLE MS", "SLEEPS", "RX FRAMES",
		"TX FRAMES", "DROPS", "ARP SHARED", "TCP STEERED",
	};
	static const char *const keys[] = {
		"lcore", "loops", "busy_loops", "idle_ms", "idle_sleeps", "rx_frames",
		"tx_frames", "drops_total", "arp_shared", "tcp_steered",
	};
	json_t *drops = json_object_get(res, "drops"), *l;
	unsigned int c;
	size_t i;

	print_counters(res, false, "");
	if (json_integer_value(json_object_get(res, "drops_total")) == 0) {
		printf("drops: none\n");
	} else {
		printf("drops (non-zero):\n");
		print_counters(drops, true, "  ");
	}
	table_start(7, heads);
	json_array_foreach(json_object_get(res, "lcores"), i, l) {
		unsigned int r = table_row();

		for (c = 0; c < 7; c++)
			cell_set(r, c, json_object_get(l, keys[c]));
	}
	table_print();
}

/* `http`: what each fair-share limit did (all lcores), then per lcore
 * its table and traffic (--json has every connection). */
static void
print_http(json_t *res)
{
	static const char *const heads[] = {
		"LCORE", "PORT", "CONNS", "ACCEPTED", "REFUSED", "BYTES IN",
		"BYTES OUT",
	};
	static const char *const keys[] = {
		"lcore", "port", "connections", "accepted", "refused",
		"bytes_in", "bytes_out",
	};
	json_t *l;
	size_t i;

	printf("limits (all lcores):\n");
	print_counters(json_object_get(res, "limits"), false, "  ");
	printf("auth (all lcores):\n");
	print_counters(json_object_get(res, "auth"), false, "  ");
	table_start(7, heads);
	json_array_foreach(json_object_get(res, "lcores"), i, l) {
		unsigned int r = table_row(), c;

		for (c = 0; c < 7; c++)
			cell_set(r, c, json_object_get(l, keys[c]));
	}
	table_print();
}

static void
print_arp(json_t *res)
{
	static const char *const heads[] = {
		"ADDRESS", "MAC", "PORT", "LCORE", "AGE MS",
	};
	static const char *const keys[] = {
		"address", "mac", "port", "lcore", "age_ms",
	};
	size_t i;
	json_t *e;

	if (json_array_size(res) == 0) {
		printf("ARP cache empty\n");
		return;
	}
	table_start(5, heads);
	json_array_foreach(res, i, e) {
		unsigned int r = table_row(), c;

		for (c = 0; c < 5; c++)
			cell_set(r, c, json_object_get(e, keys[c]));
	}
	table_print();
}

static void
print_xstats(json_t *res)
{
	const char *port;
	json_t *x;

	json_object_foreach(res, port, x) {
		printf("%s:\n", port);
		print_counters(x, false, "  ");
	}
}

static void
print_help(json_t *res)
{
	static const char *const heads[] = { "COMMAND", "WHAT" };
	const char *key;
	json_t *v;

	table_start(2, heads);
	json_object_foreach(res, key, v) {
		unsigned int r = table_row();

		snprintf(table_cell(r, 0), TUSKCTL_CELL_MAX, "%s", key);
		cell_set(r, 1, v);
	}
	table_print();
}

/* "10.77.0.1:80" */
static void
endpoint_cell(char *out, json_t *conn, const char *addr, const char *port)
{
	snprintf(out, TUSKCTL_CELL_MAX, "%s:%" JSON_INTEGER_FORMAT,
		 json_string_value(json_object_get(conn, addr)),
		 json_integer_value(json_object_get(conn, port)));
}

/* 1234567890 -> "1.23G" (decimal units, as link rates are quoted) */
static void
si_cell(char *out, json_int_t v)
{
	static const char units[] = " kMGTP";
	double x = (double)v;
	unsigned int u = 0;

	while (x >= 1000.0 && u + 1 < sizeof(units) - 1) {
		x /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(out, TUSKCTL_CELL_MAX, "%" JSON_INTEGER_FORMAT, v);
	else
		snprintf(out, TUSKCTL_CELL_MAX, "%.2f%c", x, units[u]);
}

static void
print_conns(json_t *res)
{
	static const char *const heads[] = {
		"LCORE", "LOCAL", "REMOTE", "STATE", "CC", "CWND", "SRTT US",
		"PACING BPS", "SENT", "RECEIVED", "RETRANS", "RTO",
	};
	static const char *const sized[] = {
		"cwnd", "srtt_us", "pacing_rate_bps", "bytes_sent",
		"bytes_received", "bytes_retrans", "rto_count",
	};
	json_t *list = json_object_get(res, "conns"), *e;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no TCP connections\n");
		return;
	}
	table_start(ARRAY_LEN(heads), heads);
	json_array_foreach(list, i, e) {
		unsigned int r = table_row(), c;

		cell_set(r, 0, json_object_get(e, "lcore"));
		endpoint_cell(table_cell(r, 1), e, "local", "lport");
		endpoint_cell(table_cell(r, 2), e, "remote", "rport");
		cell_set(r, 3, json_object_get(e, "state"));
		cell_set(r, 4, json_object_get(e, "cc"));
		for (c = 0; c < ARRAY_LEN(sized); c++)
			si_cell(table_cell(r, 5 + c), json_integer_value(
				json_object_get(e, sized[c])));
	}
	table_print();
	if (json_is_true(json_object_get(res, "truncated")))
		printf("(%" JSON_INTEGER_FORMAT " connections, list "
		       "truncated)\n",
		       json_integer_value(json_object_get(res, "count")));
}

/* A table for the rows of `list` (a reference the caller passed on), or
 * `empty` and the reference dropped when there are none: false. */
static bool
list_table_start(json_t *list, const char *empty, unsigned int ncols,
		 const char *const *heads)
{
	if (json_array_size(list) == 0) {
		printf("%s\n", empty);
		json_decref(list);
		return false;
	}
	table_start(ncols, heads);
	return true;
}

/* "42%" of a transfer, "-" while its size is unknown */
static void
percent_cell(char *out, json_t *x)
{
	json_int_t done = json_integer_value(json_object_get(x, "bytes"));
	json_int_t size = json_integer_value(json_object_get(x, "size"));

	if (size > 0)
		snprintf(out, TUSKCTL_CELL_MAX, "%d%%", (int)(done * 100 / size));
	else
		snprintf(out, TUSKCTL_CELL_MAX, "-");
}

/* What a table row cannot hold: reasons, notes, digests. */
static void
print_transfer_notes(json_t *list)
{
	static const char *const keys[] = { "error", "note", "sha256" };
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x) {
		unsigned int k;

		for (k = 0; k < ARRAY_LEN(keys); k++) {
			const char *v = json_string_value(json_object_get(x,
								keys[k]));

			if (v != NULL)
				printf("%" JSON_INTEGER_FORMAT ": %s: %s\n",
				       json_integer_value(json_object_get(x,
								"id")),
				       keys[k], v);
		}
	}
}

/* `transfers` (an array) or `fetch`/`cancel` (one transfer). */
static void
print_transfers(json_t *res)
{
	static const char *const heads[] = {
		"ID", "STATE", "DONE", "SIZE", "%", "RATE B/S", "ETA S",
		"STREAMS", "RETRIES", "URL", "DEST",
	};
	json_t *list = json_is_array(res) ? json_incref(res) :
					    json_pack("[O]", res), *x;
	size_t i;

	if (!list_table_start(list, "no transfers", ARRAY_LEN(heads), heads))
		return;
	json_array_foreach(list, i, x) {
		unsigned int r = table_row();

		cell_set(r, 0, json_object_get(x, "id"));
		cell_set(r, 1, json_object_get(x, "state"));
		si_cell(table_cell(r, 2), json_integer_value(
			json_object_get(x, "bytes")));
		si_cell(table_cell(r, 3), json_integer_value(
			json_object_get(x, "size")));
		percent_cell(table_cell(r, 4), x);
		si_cell(table_cell(r, 5), json_integer_value(
			json_object_get(x, "rate")));
		cell_set(r, 6, json_object_get(x, "eta_s"));
		cell_set(r, 7, json_object_get(x, "streams"));
		cell_set(r, 8, json_object_get(x, "retries"));
		cell_set(r, 9, json_object_get(x, "url"));
		cell_set(r, 10, json_object_get(x, "dest"));
	}
	table_print();
	print_transfer_notes(list);
	json_decref(list);
}

/* `bulk_list` (an object holding "transfers") or `bulk` (one of them). */
static void
print_bulk(json_t *res)
{
	static const char *const heads[] = {
		"ID", "LCORE", "ROLE", "STATE", "PEER", "LOCAL PORT", "BYTES",
		"SECONDS", "GBIT/S", "CC", "RETRANS", "RTO", "RTT MS",
	};
	json_t *list = json_object_get(res, "transfers"), *x;
	size_t i;

	list = list != NULL ? json_incref(list) : json_pack("[O]", res);
	if (!list_table_start(list, "no bulk transfers", ARRAY_LEN(heads),
			      heads))
		return;
	json_array_foreach(list, i, x) {
		unsigned int r = table_row();

		cell_set(r, 0, json_object_get(x, "id"));
		cell_set(r, 1, json_object_get(x, "lcore"));
		cell_set(r, 2, json_object_get(x, "role"));
		cell_set(r, 3, json_object_get(x, "state"));
		endpoint_cell(table_cell(r, 4), x, "peer", "peer_port");
		cell_set(r, 5, json_object_get(x, "local_port"));
		si_cell(table_cell(r, 6), json_integer_value(
			json_object_get(x, "bytes")));
		snprintf(table_cell(r, 7), TUSKCTL_CELL_MAX, "%.2f",
			 json_number_value(json_object_get(x, "seconds")));
		snprintf(table_cell(r, 8), TUSKCTL_CELL_MAX, "%.2f",
			 json_number_value(json_object_get(x, "gbps")));
		cell_set(r, 9, json_object_get(x, "cc"));
		cell_set(r, 10, json_object_get(x, "retransmits"));
		cell_set(r, 11, json_object_get(x, "rto_count"));
		snprintf(table_cell(r, 12), TUSKCTL_CELL_MAX, "%.3f",
			 json_number_value(json_object_get(x, "rtt_ms")));
	}
	table_print();
	json_array_foreach(list, i, x) {
		const char *err = json_string_value(json_object_get(x, "error"));

		if (err != NULL)
			printf("%" JSON_INTEGER_FORMAT ": error: %s\n",
			       json_integer_value(json_object_get(x, "id")), err);
	}
	json_decref(list);
}

static bool
is_transfer_cmd(const char *cmd)
{
	return strcmp(cmd, "transfers") == 0 || strcmp(cmd, "fetch") == 0 ||
	       strcmp(cmd, "cancel") == 0;
}

static double
num_of(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A twamp run: one line per measure, ms. */
static void
print_twamp(json_t *r)
{
	static const char *const dists[] = { "rtt_ms", "forward_ms",
					     "backward_ms" };

	printf("%s:%" JSON_INTEGER_FORMAT "  sent %.0f  received %.0f  "
	       "lost %.0f (%.2f%%)  dup %.0f  reordered %.0f\n",
	       json_string_value(json_object_get(r, "host")),
	       json_integer_value(json_object_get(r, "port")),
	       num_of(r, "sent", NULL), num_of(r, "received", NULL),
	       num_of(r, "lost", NULL), num_of(r, "loss_percent", NULL),
	       num_of(r, "duplicates", NULL), num_of(r, "reordered", NULL));
	printf("%-12s %9s %9s %9s %9s %9s %9s\n", "ms", "min", "mean", "p50",
	       "p99", "max", "jitter");
	for (unsigned int i = 0; i < 3; i++)
		printf("%-12.*s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n",
		       (int)(strlen(dists[i]) - 3), dists[i],
		       num_of(r, dists[i], "min"), num_of(r, dists[i], "mean"),
		       num_of(r, dists[i], "p50"), num_of(r, dists[i], "p99"),
		       num_of(r, dists[i], "max"),
		       num_of(r, "jitter_ms", i == 0 ? "rtt" : i == 1 ?
			      "forward" : "backward"));
	printf("clock error %.3f ms (%s)\n", num_of(r, "clock", "error_ms"),
	       json_is_true(json_object_get(json_object_get(r, "clock"),
					    "synced")) ?
	       "both synchronised" : "not both synchronised: one-way "
	       "delays hold only on one host's clock");
}

static void
print_human(const char *cmd, json_t *res)
{
	if (strcmp(cmd, "ports") == 0 && json_is_array(res))
		print_ports(res);
	else if (strcmp(cmd, "stats") == 0 && json_is_object(res))
		print_stats(res);
	else if (strcmp(cmd, "token") == 0 && json_is_object(res))
		/* the token alone: TOKEN=$(tuskctl token mint ...) */
		printf("%s\n", json_string_value(json_object_get(res, "token")));
	else if (strcmp(cmd, "http") == 0 && json_is_object(res))
		print_http(res);
	else if (strcmp(cmd, "arp") == 0 && json_is_array(res))
		print_arp(res);
	else if (strcmp(cmd, "xstats") == 0 && json_is_object(res))
		print_xstats(res);
	else if (strcmp(cmd, "help") == 0 && json_is_object(res))
		print_help(res);
	else if (strcmp(cmd, "conns") == 0 && json_is_object(res))
		print_conns(res);
	else if ((strcmp(cmd, "bulk_list") == 0 || strcmp(cmd, "bulk") == 0) &&
		 json_is_object(res))
		print_bulk(res);
	else if (is_transfer_cmd(cmd) && (json_is_array(res) ||
					  json_is_object(res)))
		print_transfers(res);
	else if (strcmp(cmd, "twamp") == 0 && json_is_object(res))
		print_twamp(res);
	else if (json_is_string(res))
		printf("%s\n", json_string_value(res));
	else
		print_json(res);
}

/* ---------------------------------------------------------------- main */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tuskctl [-s SOCKET] [--json] COMMAND [ARG...]\n"
		"  COMMAND  ports | stats | xstats [PORT] | arp | config | "
		"quit | help\n"
		"           capture PORT file=NAME.pcap [count=N] "
		"[snaplen=N] | capture_stop PORT\n"
		"                  (NAME: a new file under tuskd's "
		"capture_dir)\n"
		"           impair PORT [dir=tx|rx|both] [delay_ms=N] "
		"[jitter_ms=N] [rate_mbps=N]\n"
		"                  [loss_ppm=N] [burst_enter_ppm=N] "
		"[burst_exit_ppm=N] [burst_loss_ppm=N]\n"
		"                  [dup_ppm=N] [reorder_ppm=N] [limit=N] "
		"| impair PORT clear=1\n"
		"           fetch url=http[s]://HOST[:PORT]/PATH [dest=REL] "
		"[streams=N] [token=BEARER]\n"
		"                 [verify=auto|adler32|crc32c|md5|sha-256|"
		"reread|none] | transfers\n"
		"           cancel id=N [discard=true]\n"
		"           twamp host=IP [port=862] [count=100] "
		"[interval=10ms] [size=44] [dscp=0] | twamp_stats\n"
		"           iperf3 host=H [port=N] [time=S] [parallel=N] "
		"[reverse=1] [bidir=1] [udp=1]\n"
		"                  [bandwidth=BPS] [len=N] [cc=NAME] [omit=S] "
		"[window=N] [server_output=1]\n"
		"                  (a test from tuskd against an iperf3 server; "
		"prints iperf3 -J's JSON)\n"
		"           token mint path=/P activity=read,create,modify,"
		"list,delete [ttl=S]\n"
		"                  (a macaroon for tuskd's HTTP endpoint, "
		"printed alone)\n"
		"           session submit|list|show|cancel|retry|watch ... "
		"(tusk-ctrld; tuskctl session)\n"
		"           test submit|list|show|plot ... (tusk-ctrld's "
		"scheduled tests; tuskctl test)\n"
		"           notebook start user=U session=S | notebook stop "
		"user=U (tusk-ctrld, on Marathon)\n"
		"           watch   (events: state changes and progress of "
		"fetches, one line each)\n"
		"  ARG      key=value, or a port name\n"
		"  -s SOCKET  tuskd control socket (default $%s or %s)\n"
		"  --json     print tuskd's JSON response\n",
		TUSKCTL_SOCKET_ENV, TUSK_CTL_TUSKD_SOCKET);
}

/* {"cmd": COMMAND, args...}; NULL on a malformed ARG. */
static json_t *
build_request(int argc, char **argv)
{
	json_t *req = json_pack("{s:s}", "cmd", argv[0]);
	int i;

	for (i = 1; req != NULL && i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			json_object_set_new(req, "port", json_string(argv[i]));
			continue;
		}
		*eq = '\0';
		if (argv[i][0] == '\0') {
			fprintf(stderr, "tuskctl: bad argument \"=%s\"\n",
				eq + 1);
			json_decref(req);
			return NULL;
		}
		json_object_set_new(req, argv[i], json_string(eq + 1));
	}
	return req;
}

/* Print a response: the result for people, or the whole line (--json);
 * a failure's reason on stderr. 0 when the command succeeded. */
static int
print_response(json_t *req, json_t *resp, bool as_json)
{
	const char *cmd = json_string_value(json_object_get(req,
							    TUSK_CTL_KEY_CMD));

	if (!json_is_true(json_object_get(resp, TUSK_CTL_KEY_OK))) {
		const char *e = json_string_value(json_object_get(resp,
							TUSK_CTL_KEY_ERROR));

		fprintf(stderr, "tuskctl: %s: %s\n", cmd, e ? e : "failed");
		if (as_json)
			print_json(resp);
		return 1;
	}
	if (as_json)
		print_json(resp);
	else
		print_human(cmd, json_object_get(resp, TUSK_CTL_KEY_RESULT));
	return 0;
}

/* ---------------------------------------------------------------- watch */

/* "1.23G" of a JSON integer member */
static const char *
si_of(json_t *o, const char *key, char *buf)
{
	si_cell(buf, json_integer_value(json_object_get(o, key)));
	return buf;
}

/* One line per event (ctl_proto.h "Events"; tuskd's: app/tuskd/
 * ctl_watch.c). */
static void
print_event(json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev,
							TUSK_CTL_KEY_EVENT));
	json_int_t seq = json_integer_value(json_object_get(ev,
							TUSK_CTL_KEY_SEQ));
	json_t *x = json_object_get(ev, "transfer");
	char a[TUSKCTL_CELL_MAX], b[TUSKCTL_CELL_MAX], c[TUSKCTL_CELL_MAX];
	const char *s;

	printf("%6" JSON_INTEGER_FORMAT "  %-9s", seq, name ? name : "?");
	if (name == NULL) {
		printf("\n");
	} else if (strcmp(name, TUSK_CTL_EVENT_SNAPSHOT) == 0) {
		printf("%zu transfers\n", json_array_size(
			json_object_get(ev, "transfers")));
	} else if (strcmp(name, TUSK_CTL_EVENT_STATE) == 0) {
		s = json_string_value(json_object_get(ev, "from"));
		printf("%" JSON_INTEGER_FORMAT " %s -> %s",
		       json_integer_value(json_object_get(ev, "id")),
		       s ? s : "new",
		       json_string_value(json_object_get(ev, "state")));
		if ((s = json_string_value(json_object_get(x, "sha256"))))
			printf("  sha256 %s", s);
		if ((s = json_string_value(json_object_get(x, "error"))))
			printf("  error: %s", s);
		printf("\n");
	} else if (strcmp(name, TUSK_CTL_EVENT_PROGRESS) == 0) {
		printf("%" JSON_INTEGER_FORMAT " %s %s/%s B  %s B/s\n",
		       json_integer_value(json_object_get(ev, "id")),
		       json_string_value(json_object_get(ev, "state")),
		       si_of(ev, "bytes", a), si_of(ev, "size", b),
		       si_of(ev, "rate", c));
	} else if (strcmp(name, TUSK_CTL_EVENT_LOST) == 0) {
		printf("%" JSON_INTEGER_FORMAT " events dropped (too slow); "
		       "a new snapshot follows\n",
		       json_integer_value(json_object_get(ev, "dropped")));
	} else {
		json_dumpf(ev, stdout, JSON_COMPACT);
		printf("\n");
	}
}

/* After `watch` was answered: every line until tuskd closes the
 * connection (or tuskctl is stopped). */
static int
watch_events(struct tusk_ctl_client *c, bool as_json)
{
	char err[TUSKCTL_ERR_MAX];
	json_t *ev;
	int ret;

	if (tusk_ctl_client_timeout(c, 0) < 0)
		return 1;
	while ((ret = tusk_ctl_client_recv(c, &ev, err, sizeof(err))) == 0) {
		if (as_json)
			json_dumpf(ev, stdout, JSON_COMPACT);
		else
			print_event(ev);
		if (as_json)
			putchar('\n');
		fflush(stdout);
		json_decref(ev);
	}
	fprintf(stderr, "tuskctl: watch: %s\n", err);
	return 1;
}

static int
run(const char *sock, bool as_json, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req,
							    TUSK_CTL_KEY_CMD));
	struct tusk_ctl_client c;
	char err[TUSKCTL_ERR_MAX];
	json_t *resp;
	int ret;

	if (tusk_ctl_client_connect(&c, sock, TUSKCTL_TIMEOUT_MS, err,
				    sizeof(err)) < 0) {
		fprintf(stderr, "tuskctl: %s (is tuskd running? use -s SOCKET "
			"or $%s)\n", err, TUSKCTL_SOCKET_ENV);
		return 1;
	}
	if (strcmp(cmd, "twamp") == 0)
		tusk_ctl_client_timeout(&c, TUSKCTL_TWAMP_TIMEOUT_MS);
	resp = tusk_ctl_client_call(&c, req, err, sizeof(err));
	if (resp == NULL) {
		fprintf(stderr, "tuskctl: no answer from tuskd: %s\n", err);
		ret = 1;
	} else if (strcmp(cmd, "watch") == 0 &&
		   json_is_true(json_object_get(resp, TUSK_CTL_KEY_OK))) {
		if (as_json) {
			json_dumpf(resp, stdout, JSON_COMPACT);
			printf("\n");
		}
		json_decref(resp);
		ret = watch_events(&c, as_json);
	} else {
		ret = print_response(req, resp, as_json);
		json_decref(resp);
	}
	tusk_ctl_client_close(&c);
	return ret;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv(TUSKCTL_SOCKET_ENV), *sock_opt = NULL;
	bool as_json = false;
	json_t *req;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = sock_opt = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* tusk-ctrld's commands: its own socket (tuskctl_session.c) */
	if (strcmp(argv[optind], "session") == 0)
		return tuskctl_session(argc - optind - 1, argv + optind + 1,
				       sock_opt, as_json);
	if (strcmp(argv[optind], "test") == 0)
		return tuskctl_test(argc - optind - 1, argv + optind + 1,
				    sock_opt, as_json);
	if (strcmp(argv[optind], "notebook") == 0)
		return tuskctl_notebook(argc - optind - 1, argv + optind + 1,
					sock_opt, as_json);
	if (sock == NULL || sock[0] == '\0')
		sock = TUSK_CTL_TUSKD_SOCKET;
	/* "token mint ARGS": tuskd's command is "token" */
	if (strcmp(argv[optind], "token") == 0) {
		if (optind + 1 >= argc || strcmp(argv[optind + 1], "mint") != 0) {
			fprintf(stderr, "tuskctl: token: want \"token mint "
				"path=... activity=...\"\n");
			return EXIT_USAGE;
		}
		argv[optind + 1] = argv[optind];
		optind++;
	}
	req = build_request(argc - optind, argv + optind);
	if (req == NULL)
		return EXIT_USAGE;
	if (strcmp(argv[optind], "iperf3") == 0 &&
	    json_object_get(req, "host") != NULL)
		ret = tuskctl_iperf3_client(sock, req);
	else
		ret = run(sock, as_json, req);
	json_decref(req);
	return ret;
}
