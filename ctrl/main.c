/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tusk-ctrld: the control plane's process. Thin: read ctrld.conf, open
 * the journal, recover the open sessions, then one poll() loop over the
 * control socket (app/ctl/ctl_server.h) and the worker's eventfd, ticking
 * the sessions (session.h) between.
 *
 *   tusk-ctrld -c ctrld.conf [--check-config]
 *
 * Exit: 0 stopped (SIGTERM, SIGINT, `quit`), 1 a start-up failure,
 * 2 (TUSK_CTRLD_CONF_EXIT_CODE) a configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ctl_server.h"
#include "ctrld_conf.h"
#include "ctrld_ctl.h"
#include "journal.h"
#include "mkdirs.h"
#include "pstask.h"
#include "session.h"

/* The launchers of ctrl/launch.c (`local`). */
static const struct tusk_launcher_factory launchers = {
	.create = tusk_launcher_create,
	.destroy = tusk_launcher_destroy,
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static struct tusk_ctrld_clock
now(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (struct tusk_ctrld_clock){
		.mono_ms = (uint64_t)m.tv_sec * 1000 + (uint64_t)m.tv_nsec /
			   1000000,
		.real_s = (double)r.tv_sec + (double)r.tv_nsec / 1e9 };
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tusk-ctrld -c ctrld.conf [--check-config]\n");
}

/* The journal's directory and the state directory. */
static int
make_dirs(const struct tusk_ctrld_conf *conf, char *err, size_t errlen)
{
	char dir[TUSK_CTRLD_PATH_MAX], at[TUSK_CTRLD_PATH_MAX];
	int rc;

	snprintf(dir, sizeof(dir), "%s", conf->journal);
	rc = tusk_mkdirs(dirname(dir), at, sizeof(at));
	if (rc == 0)
		rc = tusk_mkdirs(conf->state_dir, at, sizeof(at));
	if (rc < 0)
		snprintf(err, errlen, "mkdir %.900s: %s", at, strerror(-rc));
	return rc;
}

struct daemon {
	struct tusk_ctrld_conf conf;
	struct tusk_journal *journal;
	struct tusk_xfer *xfer;
	struct tusk_worker *worker;
	struct tusk_ctrld *ctrld;
	struct tusk_pstask_sched *pstask;
	struct tusk_ctl_server *srv;
	struct tusk_ctrld_ctl ctl;
};

static int
daemon_open(struct daemon *d, char *err, size_t errlen)
{
	struct tusk_ctrld_clock t = now();
	struct tusk_ctl_server_conf sc = {
		.path = d->conf.control_socket,
		.cmds = { .cmd = tusk_ctrld_ctl_cmds,
			  .n = tusk_ctrld_ctl_ncmds, .ctx = &d->ctl },
	};
	int rc;

	if ((rc = make_dirs(&d->conf, err, errlen)) < 0)
		return rc;
	if (tusk_journal_open(d->conf.journal, &d->journal, err, errlen) < 0)
		return -1;
	d->xfer = tusk_xfer_tuskd_create(d->conf.tuskd_socket);
	d->worker = tusk_worker_create();
	d->ctrld = d->xfer && d->worker ? tusk_ctrld_create(&d->conf,
			d->journal, d->xfer, d->worker) : NULL;
	if (d->ctrld == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (tusk_ctrld_recover(d->ctrld, &t, err, errlen) < 0)
		return -1;
	d->pstask = tusk_pstask_create(d->journal, d->worker,
				       d->conf.tuskd_socket);
	if (d->pstask == NULL ||
	    tusk_pstask_recover(d->pstask, t.real_s, err, errlen) < 0)
		return d->pstask ? -1 : -ENOMEM;
	d->ctl = (struct tusk_ctrld_ctl){ .ctrld = d->ctrld, .conf = &d->conf,
					  .xfer = d->xfer,
					  .pstask = d->pstask, .clock = now };
	return tusk_ctl_server_open(&sc, &d->srv, err, errlen);
}

static void
daemon_close(struct daemon *d)
{
	tusk_ctl_server_close(d->srv);
	/* threads first: a finished item's done() needs the sessions */
	tusk_worker_destroy(d->worker);
	tusk_pstask_destroy(d->pstask);
	tusk_ctrld_destroy(d->ctrld);
	tusk_xfer_destroy(d->xfer);
	tusk_journal_close(d->journal);
	tusk_ctrld_conf_free(&d->conf);
}

/* The sessions' wait, shortened while scheduled tests are open. */
static int
idle_ms(struct daemon *d)
{
	int a = tusk_ctrld_idle_ms(d->ctrld), b = tusk_pstask_idle_ms(d->pstask);

	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void
daemon_loop(struct daemon *d)
{
	struct pollfd pfd[TUSK_CTL_SERVER_POLLFDS + 1];
	struct tusk_ctrld_clock t;
	unsigned int n;

	while (!stopping && !d->ctl.quit) {
		n = tusk_ctl_server_pollfds(d->srv, pfd,
					    TUSK_CTL_SERVER_POLLFDS);
		pfd[n] = (struct pollfd){ .fd = tusk_worker_fd(d->worker),
					  .events = POLLIN };
		if (poll(pfd, n + 1, idle_ms(d)) < 0 &&
		    errno != EINTR)
			break;
		if (pfd[n].revents & POLLIN)
			tusk_ctrld_reap(d->ctrld);
		tusk_ctl_server_serve(d->srv, pfd, n);
		t = now();
		tusk_ctrld_tick(d->ctrld, &t);
		tusk_pstask_tick(d->pstask, t.real_s);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool check = false;
	struct daemon d = { 0 };
	char err[1024] = "";
	int o;

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': path = optarg; break;
		case 'k': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return TUSK_CTRLD_CONF_EXIT_CODE;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return TUSK_CTRLD_CONF_EXIT_CODE;
	}
	if (tusk_ctrld_conf_load(path, &d.conf, &launchers, err,
				 sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return TUSK_CTRLD_CONF_EXIT_CODE;
	}
	if (check) {
		tusk_ctrld_conf_free(&d.conf);
		printf("%s: ok\n", path);
		return 0;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (daemon_open(&d, err, sizeof(err)) < 0) {
		fprintf(stderr, "tusk-ctrld: %s\n", err);
		daemon_close(&d);
		return 1;
	}
	fprintf(stderr, "tusk-ctrld: listening on %s, %u open sessions\n",
		d.conf.control_socket, tusk_ctrld_open_sessions(d.ctrld));
	daemon_loop(&d);
	daemon_close(&d);
	curl_global_cleanup();
	return 0;
}
