/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the packet link field (see tcp_mbuf.h). */
#include <rte_errno.h>

#include "tcp_mbuf.h"

int tusk_tcp_mbuf_link_off = -1;

int
tusk_tcp_mbuf_setup(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "tusk_tcp_pkt_link",
		.size = sizeof(struct rte_mbuf *),
		.align = __alignof__(struct rte_mbuf *),
	};
	int off;

	if (tusk_tcp_mbuf_link_off >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	tusk_tcp_mbuf_link_off = off;
	return 0;
}
