/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-stack counters. Every frame that the stack does not deliver or answer
 * is counted under exactly one drop reason, so that
 *   rx_frames == delivered + sum(drops[rx reasons])
 * holds and an operator can tell from `tuskctl stats` why traffic vanished.
 *
 * The reasons are an X-macro list so that the enum, the names printed on the
 * control socket and the tests never disagree.
 */
#ifndef TUSK_STATS_H
#define TUSK_STATS_H

#include <stdint.h>

#define TUSK_DROP_REASONS(X)                                              \
	X(ETH_RUNT, "eth_runt")                 /* shorter than a header */    \
	X(ETH_NOT_FOR_US, "eth_not_for_us")     /* dst MAC not ours/bcast */   \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type") /* not IPv4 or ARP */          \
	X(ETH_VLAN, "eth_vlan")                 /* tagged frames unsupported */\
	X(ARP_MALFORMED, "arp_malformed")       /* bad hw/proto type or len */ \
	X(ARP_NOT_FOR_US, "arp_not_for_us")     /* target IP not ours */       \
	X(ARP_BAD_OP, "arp_bad_op")             /* neither request nor reply */\
	X(ARP_QUEUE_FULL, "arp_queue_full")     /* tx waiting on resolution */ \
	X(ARP_UNRESOLVED, "arp_unresolved")     /* resolution timed out */     \
	X(IP_TRUNCATED, "ip_truncated")         /* frame shorter than header */\
	X(IP_BAD_VERSION, "ip_bad_version")                                    \
	X(IP_BAD_HLEN, "ip_bad_hlen")           /* IHL < 5 or past frame */    \
	X(IP_BAD_LEN, "ip_bad_len")             /* total length vs frame */    \
	X(IP_BAD_CSUM, "ip_bad_csum")                                          \
	X(IP_BAD_SRC, "ip_bad_src")             /* martian source address */   \
	X(IP_FRAGMENT, "ip_fragment")           /* reassembly not supported */ \
	X(IP_NOT_FOR_US, "ip_not_for_us")       /* we do not forward */        \
	X(IP_TTL_EXPIRED, "ip_ttl_expired")     /* TTL 0 on arrival */         \
	X(IP_UNKNOWN_PROTO, "ip_unknown_proto")                                \
	X(IP_NO_ROUTE, "ip_no_route")           /* tx: no iface/gateway */     \
	X(ICMP_TRUNCATED, "icmp_truncated")                                    \
	X(ICMP_BAD_CSUM, "icmp_bad_csum")                                      \
	X(ICMP_UNSUPPORTED, "icmp_unsupported") /* types we do not answer */   \
	X(TCP_TRUNCATED, "tcp_truncated")                                      \
	X(TCP_BAD_CSUM, "tcp_bad_csum")                                        \
	X(TCP_BAD_OFFSET, "tcp_bad_offset")     /* data offset out of range */ \
	X(TCP_NO_LISTENER, "tcp_no_listener")   /* answered with RST */        \
	X(TCP_BAD_SEGMENT, "tcp_bad_segment")   /* unacceptable per RFC 9293 */\
	X(TCP_PAWS, "tcp_paws")                 /* RFC 7323 5.3 */             \
	X(TCP_OFO_FULL, "tcp_ofo_full")         /* reassembly memory bound */  \
	X(TCP_RX_POOL_LOW, "tcp_rx_pool_low")   /* ooo data, rx pool low */    \
	X(TCP_OFO_PRUNED, "tcp_ofo_pruned")     /* extents reneged (pool) */   \
	X(UDP_TRUNCATED, "udp_truncated")       /* shorter than a header */\
	X(UDP_BAD_LEN, "udp_bad_len")           /* length < 8 or past IP */    \
	X(UDP_BAD_CSUM, "udp_bad_csum")                                        \
	X(UDP_NO_PORT, "udp_no_port")           /* ICMP unreachable, maybe */  \
	X(UDP_TOO_BIG, "udp_too_big")           /* tx: over the MTU */         \
	X(NO_MBUF, "no_mbuf")                   /* pool exhausted on reply */  \
	X(TX_FULL, "tx_full")                   /* driver refused frames */

enum tusk_drop {
#define TUSK_DROP_ENUM(sym, name) TUSK_DROP_##sym,
	TUSK_DROP_REASONS(TUSK_DROP_ENUM)
#undef TUSK_DROP_ENUM
	TUSK_DROP_MAX
};

/* Counters of one stack (one lcore). Plain uint64_t: one writer. */
struct tusk_stack_stats {
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t tx_frames;
	uint64_t tx_bytes;
	uint64_t arp_rx_requests;
	uint64_t arp_rx_replies;
	uint64_t arp_tx_requests;
	uint64_t arp_tx_replies;
	uint64_t arp_tx_gratuitous;
	uint64_t ip_rx;        /* IPv4 packets accepted for local delivery */
	uint64_t ip_tx;
	uint64_t icmp_echo_rx; /* echo requests answered */
	uint64_t icmp_echo_tx;
	uint64_t tcp_rx;       /* TCP segments accepted by the checksum */
	uint64_t tcp_tx;
	uint64_t tcp_steered;  /* handed to the stack owning their port */
	/* RFC 5961 challenge ACKs (tcp_challenge.h): sent, and held back by
	 * the per-connection limit or by the stack's per-second budget. */
	uint64_t tcp_challenge_acks;
	uint64_t tcp_challenge_conn_limited;
	uint64_t tcp_challenge_global_limited;
	/* Duplicate ACKs for out-of-window or PAWS-rejected segments without
	 * data held back by the per-connection limit (tcp_challenge.h
	 * TUSK_TCP_OOW_ACK_GAP_NS). */
	uint64_t tcp_oow_ack_limited;
	/* SYN cookies (RFC 4987 3.6): SYN-ACKs that carried one, ACKs whose
	 * cookie was good (a connection made), ACKs whose cookie was forged,
	 * mangled or expired (answered with RST). */
	uint64_t tcp_syncookies_sent;
	uint64_t tcp_syncookies_ok;
	uint64_t tcp_syncookies_failed;
	/* Peers' SYN MSS options below TUSK_TCP_MSS_MIN, raised to it
	 * (tcp_input.c negotiate(): tiny segments cost a packet a byte). */
	uint64_t tcp_mss_raised;
	uint64_t udp_rx;       /* datagrams delivered to a bound port */
	uint64_t udp_rx_no_cksum; /* of those, sent without a checksum */
	uint64_t udp_tx;
	uint64_t icmp_unreach_tx;      /* port unreachable sent */
	uint64_t icmp_unreach_limited; /* not sent: over the rate limit */
	uint64_t drops[TUSK_DROP_MAX];
};

/* Name of a drop reason as printed on the control socket. */
const char *tusk_stats_drop_name(enum tusk_drop reason);

#endif /* TUSK_STATS_H */
