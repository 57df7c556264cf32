/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application side of the tests that drive a stack's TCP with crafted
 * segments (tcp_segs.h): tusk_test_sink_ops, with a struct tusk_test_sink
 * as listener (or connect) argument, takes every connection, consumes
 * all it is given and counts every callback.
 */
#ifndef TUSK_TCP_SINK_H
#define TUSK_TCP_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "tcp_api.h"

struct tusk_test_sink {
	unsigned int accepted, connected, peer_closed, closed;
	bool refuse;              /* accepted() refuses: -ECONNREFUSED */
	/* the last connection accepted; NULL again once it is closed */
	struct tusk_tcp_conn *last;
	uint64_t received;        /* bytes, all connections */
	int close_err;            /* the last closed()'s err */
};

extern const struct tusk_tcp_ops tusk_test_sink_ops;

/* Start the harness `name`, teach it the peer and listen on `port` (SYN
 * queue `backlog`) with a sink counting into *s (zeroed). 0 or -1. */
int tusk_test_sink_setup(struct tusk_harness *h, const char *name,
			 uint16_t port, uint32_t backlog,
			 struct tusk_test_sink *s);

/* Listen on `port` of the harness's stack with the sink counting into
 * *s (not zeroed); o may be NULL. tusk_tcp_listen()'s result. */
int tusk_test_sink_listen(struct tusk_harness *h, uint16_t port,
			  uint32_t backlog, const struct tusk_tcp_conn_opts *o,
			  struct tusk_test_sink *s);

#endif /* TUSK_TCP_SINK_H */
