/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture on a net_null port: frames received and sent through the
 * port's queues land in a pcap file that libpcap reads back, with their
 * real and captured lengths, in the order seen, stopping at the count.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include <rte_ethdev.h>

#include "port.h"
#include "port_capture.h"
#include "profile.h"
#include "testenv.h"

/* net_null makes frames of this size (devargs size=). */
#define FRAME_LEN 64

static struct tusk_profile prof;
static struct tusk_port port;
static char path[64];

static int
setup(void **state)
{
	struct tusk_port_conf c = {
		.name = "cap0", .device = "net_null0", .devargs = "size=64",
		.prof = &prof, .nb_queues = 1,
	};
	char err[TUSK_CFG_ERR_MAX];
	int fd;

	if (tusk_testenv_init("capture", 256) < 0)
		return -1;
	if (tusk_profile_find(tusk_profile_default_dir(), "null", &prof, err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(path, sizeof(path), "/tmp/tusk-test-capture-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return tusk_port_open(&port, &c);
}

static int
teardown(void **state)
{
	tusk_port_close(&port);
	unlink(path);
	return 0;
}

/* Receive one burst and send it back out: both pass the callbacks. */
static uint16_t
rx_and_tx(void)
{
	struct rte_mbuf *pkts[32];
	uint16_t n = rte_eth_rx_burst(port.port_id, 0, pkts, 32);

	assert_int_equal(rte_eth_tx_burst(port.port_id, 0, pkts, n), n);
	return n;
}

/* Frames in the file, checking every header against what was sent. */
static unsigned int
read_back(uint32_t want_caplen)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int n = 0;
	pcap_t *p = pcap_open_offline(path, err);

	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_int_equal(h->len, FRAME_LEN);
		assert_int_equal(h->caplen, want_caplen);
		n++;
	}
	pcap_close(p);
	return n;
}

static void
test_capture_count_both_directions(void **state)
{
	struct tusk_port_capture *c = NULL;
	uint16_t got = 0;
	json_t *j;

	assert_int_equal(tusk_port_capture_start(&port, path, 50, 0, &c), 0);
	while (!tusk_port_capture_done(c))
		got += rx_and_tx();
	/* frames after the count are not taken */
	rx_and_tx();
	assert_true(got >= 25);
	assert_int_equal(tusk_port_capture_drain(c), 50);
	j = tusk_port_capture_json(c);
	assert_int_equal(json_integer_value(json_object_get(j, "written")), 50);
	assert_int_equal(json_integer_value(json_object_get(j, "dropped")), 0);
	assert_true(json_is_true(json_object_get(j, "done")));
	json_decref(j);
	tusk_port_capture_stop(c);
	assert_int_equal(read_back(FRAME_LEN), 50);
}

static void
test_capture_snaplen_and_stop(void **state)
{
	struct tusk_port_capture *c = NULL;

	assert_int_equal(tusk_port_capture_start(&port, path, 1000, 20, &c),
			 0);
	rx_and_tx();
	assert_false(tusk_port_capture_done(c));
	/* stopped early: what was copied is written, cut to 20 bytes */
	tusk_port_capture_stop(c);
	assert_int_equal(read_back(20), 64);
	/* and the port runs on without callbacks */
	rx_and_tx();
}

static void
test_capture_refusals(void **state)
{
	struct tusk_port_capture *c = NULL;

	assert_int_equal(tusk_port_capture_start(&port, path, 0, 0, &c),
			 -EINVAL);
	assert_int_equal(tusk_port_capture_start(&port, path, 10,
						 TUSK_CAPTURE_SNAPLEN_MAX + 1,
						 &c), -EINVAL);
	assert_int_equal(tusk_port_capture_start(&port,
						 "/nonexistent/dir/x.pcap",
						 10, 0, &c), -EIO);
	/* a refused capture leaves nothing behind: a new one starts */
	assert_int_equal(tusk_port_capture_start(&port, path, 1, 0, &c), 0);
	tusk_port_capture_stop(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_count_both_directions),
		cmocka_unit_test(test_capture_snaplen_and_stop),
		cmocka_unit_test(test_capture_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
