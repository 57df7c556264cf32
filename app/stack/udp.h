/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (RFC 768, RFC 1122 section 4.1) for services: bind a port with a
 * receive callback, send a datagram.
 *
 * As for TCP (tcp_api.h), everything runs on the stack's lcore: the
 * receive callback runs inside tusk_stack_input(), tusk_udp_send() is
 * called by the service on the same lcore. Payload moves as mbufs and is
 * never copied. A datagram to a port nobody bound is answered with an
 * ICMP port unreachable (RFC 1122 4.1.3.1), rate-limited (icmp.h).
 *
 * With several worker lcores, UDP is not steered: a datagram goes to the
 * stack whose queue received it, and a service must bind on each.
 */
#ifndef TUSK_UDP_H
#define TUSK_UDP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

struct tusk_stack;

/* Ports one stack can bind: services bind one or two each (iperf3's
 * 5201, TWAMP's 862); lookup is a scan of this many. */
#define TUSK_UDP_BINDS_MAX 16

/* Where a datagram came from and went to. */
struct tusk_udp_meta {
	struct tusk_addr src;
	struct tusk_addr dst;
	uint16_t sport;   /* host order */
	uint16_t dport;   /* host order */
	uint16_t iface;
	uint8_t ttl;      /* the IPv4 header's, as it arrived (TWAMP
			   * reflects it, RFC 5357 4.2.1) */
	uint8_t tos;
};

/*
 * A datagram for a bound port: m holds the payload (header stripped,
 * pkt_len is the UDP length less 8; may be 0) and belongs to the callee.
 * `now` is the time of the rx burst that brought it.
 */
typedef void (*tusk_udp_recv_fn)(void *arg, struct rte_mbuf *m,
				 const struct tusk_udp_meta *meta,
				 uint64_t now);

/* Bind `port` (1..65535) on every address. 0, -EINVAL, -EADDRINUSE or
 * -ENOSPC (TUSK_UDP_BINDS_MAX bound). */
int tusk_udp_bind(struct tusk_stack *st, uint16_t port, tusk_udp_recv_fn fn,
		  void *arg);
/* 0 or -ENOENT. */
int tusk_udp_unbind(struct tusk_stack *st, uint16_t port);

/*
 * Send the payload m (data at the payload, headroom for the UDP, IPv4 and
 * Ethernet headers: RTE_PKTMBUF_HEADROOM has it) from our address on the
 * route to dst, port sport, to dst:dport. The checksum is the port's when
 * it offloads it, computed here otherwise. The frame joins the tx burst,
 * which leaves at the end of the next tusk_stack_input()/poll() (as TCP's
 * output does). Takes ownership of m. Returns
 * 0, or -ENETUNREACH (no route), -EMSGSIZE (does not fit the route's MTU:
 * we never fragment), -EINVAL (port 0), -ENOBUFS (no headroom); a dropped
 * datagram is counted.
 */
int tusk_udp_send(struct tusk_stack *st, struct rte_mbuf *m, uint16_t sport,
		  const struct tusk_addr *dst, uint16_t dport, uint64_t now);

/* The same with an IPv4 Type of Service byte (DSCP << 2 | ECN). */
int tusk_udp_send_tos(struct tusk_stack *st, struct rte_mbuf *m,
		      uint16_t sport, const struct tusk_addr *dst,
		      uint16_t dport, uint8_t tos, uint64_t now);

/* The largest payload tusk_udp_send() takes toward dst: the route's MTU
 * less TUSK_UDP_IPV4_OVERHEAD; 0 when there is no route. */
uint32_t tusk_udp_max_payload(const struct tusk_stack *st,
			      const struct tusk_addr *dst);

/* For the IPv4 layer: a datagram addressed to us on `iface`; m->data at
 * the UDP header, pkt_len the IP payload length (padding trimmed), the IP
 * header still in the headroom before it (m->l3_len bytes), which an ICMP
 * error quotes. Takes ownership of m. */
void tusk_udp_input(struct tusk_stack *st, uint16_t iface, struct rte_mbuf *m,
		    const struct tusk_addr *src, const struct tusk_addr *dst,
		    uint64_t now);

#endif /* TUSK_UDP_H */
