/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP (RFC 792): we answer echo requests (RFC 1122 3.2.2.6). */
#ifndef TUSK_ICMP_H
#define TUSK_ICMP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;

/* m->data points at the ICMP header; takes ownership of m. */
void tusk_icmp_input(struct tusk_stack *st, uint16_t iface,
		     struct rte_mbuf *m, const struct tusk_addr *src,
		     uint64_t now);

#endif /* TUSK_ICMP_H */
