/* SPDX-License-Identifier: BSD-3-Clause */
/* The service API (tcp_api.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_string_fns.h>

#include "ipv4.h"
#include "stack_priv.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_output.h"
#include "tcp_seq.h"

static const char *const state_names[TUSK_TCP_STATE_MAX] = {
	[TUSK_TCP_CLOSED] = "CLOSED",
	[TUSK_TCP_LISTEN] = "LISTEN",
	[TUSK_TCP_SYN_SENT] = "SYN-SENT",
	[TUSK_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[TUSK_TCP_ESTABLISHED] = "ESTABLISHED",
	[TUSK_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[TUSK_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[TUSK_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[TUSK_TCP_CLOSING] = "CLOSING",
	[TUSK_TCP_LAST_ACK] = "LAST-ACK",
	[TUSK_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *
tusk_tcp_state_name(enum tusk_tcp_state s)
{
	return (unsigned int)s < TUSK_TCP_STATE_MAX ? state_names[s] : "?";
}

int
tusk_tcp_listen(struct tusk_stack *st, uint16_t port,
		const struct tusk_tcp_ops *ops, void *arg, uint32_t backlog,
		const struct tusk_tcp_conn_opts *opts)
{
	struct tusk_tcp *tcp = st->tcp;
	struct tusk_tcp_listener *l = NULL;
	const struct tusk_tcp_cc_ops *cc = NULL;

	if (port == 0 || ops == NULL)
		return -EINVAL;
	if (tusk_tcp_listener_find(tcp, port) != NULL)
		return -EADDRINUSE;
	if (opts != NULL && opts->cc != NULL &&
	    (cc = tusk_tcp_cc_find(opts->cc)) == NULL)
		return -ENOENT;
	for (unsigned int i = 0; i < TUSK_TCP_MAX_LISTENERS && l == NULL; i++)
		if (!tcp->listeners[i].used)
			l = &tcp->listeners[i];
	if (l == NULL)
		return -ENOSPC;
	*l = (struct tusk_tcp_listener){
		.port = port, .used = true, .ops = ops, .arg = arg, .cc = cc,
		.backlog = backlog != 0 ? backlog : TUSK_TCP_BACKLOG_DEFAULT,
	};
	if (opts != NULL) {
		l->opts = *opts;
		l->opts.cc = NULL;
	}
	return 0;
}

int
tusk_tcp_unlisten(struct tusk_stack *st, uint16_t port)
{
	struct tusk_tcp_listener *l = tusk_tcp_listener_find(st->tcp, port);

	if (l == NULL)
		return -ENOENT;
	/* Embryonic connections die with their listener. */
	for (uint32_t i = 0; i < st->tcp->max_conns; i++) {
		struct tusk_tcp_conn *c = &st->tcp->conns[i];

		if (c->state == TUSK_TCP_SYN_RECEIVED &&
		    (c->flags & TUSK_TCP_CF_PASSIVE) &&
		    &st->tcp->listeners[c->listener] == l)
			tusk_tcp_conn_free(st->tcp, c);
	}
	l->used = false;
	return 0;
}

int
tusk_tcp_connect(struct tusk_stack *st, const struct tusk_addr *dst,
		 uint16_t port, const struct tusk_tcp_ops *ops, void *arg,
		 const struct tusk_tcp_conn_opts *opts, uint64_t now,
		 struct tusk_tcp_conn **out)
{
	struct tusk_tcp *tcp = st->tcp;
	const struct tusk_tcp_cc_ops *cc = NULL;
	struct tusk_tcp_tuple t = { .raddr = *dst, .rport = port };
	struct tusk_addr nh;
	struct tusk_tcp_conn *c;
	uint16_t iface;

	if (ops == NULL || port == 0)
		return -EINVAL;
	if (opts != NULL && opts->cc != NULL &&
	    (cc = tusk_tcp_cc_find(opts->cc)) == NULL)
		return -ENOENT;
	if (tusk_ipv4_route(st, dst, &iface, &t.laddr, &nh) != 0)
		return -ENETUNREACH;
	if (tusk_tcp_conn_ephemeral(tcp, &t) != 0)
		return -EADDRNOTAVAIL;
	c = tusk_tcp_conn_alloc(tcp, &t, now);
	if (c == NULL)
		return -ENOMEM;
	tusk_tcp_conn_opts(c, opts);
	c->ops = ops;
	c->arg = arg;
	c->cc.ops = cc;
	c->flags |= TUSK_TCP_CF_ACCEPTED;
	c->iss = tusk_tcp_conn_isn(tcp, &t, now);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->rcv_mss = tusk_tcp_conn_mss_cap(c,
		(uint16_t)(tusk_stack_iface(st, iface)->mtu - 40));
	c->rcv_wscale = tusk_tcp_conn_wscale_for(c->rcv_max);
	c->state = TUSK_TCP_SYN_SENT;
	tusk_tcp_output_syn(tcp, c, now);
	tusk_tcp_timer_set(tcp, c, TUSK_TCP_T_RTX,
			   now + tusk_tcp_rtt_rto(&c->rtt));
	tusk_stack_flush(st);
	*out = c;
	return 0;
}

uint32_t
tusk_tcp_send_space(const struct tusk_tcp_conn *c)
{
	uint32_t used = tusk_tcp_sndq_bytes(&c->sq);

	if (c->state != TUSK_TCP_ESTABLISHED &&
	    c->state != TUSK_TCP_CLOSE_WAIT)
		return 0;
	return used < c->snd_buf ? c->snd_buf - used : 0;
}

int64_t
tusk_tcp_send(struct tusk_tcp_conn *c, struct rte_mbuf **m, uint64_t now)
{
	uint32_t space = tusk_tcp_send_space(c);
	int64_t took = 0;

	if (c->flags & TUSK_TCP_CF_SHUT_WR)
		return -EPIPE;
	if (c->state != TUSK_TCP_ESTABLISHED &&
	    c->state != TUSK_TCP_CLOSE_WAIT)
		return -ENOTCONN;
	while (*m != NULL && (*m)->data_len <= space) {
		struct rte_mbuf *seg = *m;

		*m = seg->next;
		if (*m != NULL) {
			(*m)->nb_segs = (uint16_t)(seg->nb_segs - 1);
			(*m)->pkt_len = seg->pkt_len - seg->data_len;
		}
		if (seg->data_len == 0) {
			seg->next = NULL;
			rte_pktmbuf_free_seg(seg);
			continue;
		}
		if (tusk_tcp_sndq_append(&c->sq, seg) != 0) {
			seg->next = *m;
			*m = seg;
			break;
		}
		space -= seg->data_len;
		took += seg->data_len;
	}
	if (*m != NULL)
		c->flags |= TUSK_TCP_CF_WANT_WRITE;
	if (took > 0) {
		tusk_tcp_output(c->tcp, c, now);
		tusk_stack_flush(c->tcp->st);
	}
	return took;
}

void
tusk_tcp_recv_consumed(struct tusk_tcp_conn *c, uint32_t bytes, uint64_t now)
{
	tusk_tcp_recv_release(c->tcp, c, bytes, now);
	tusk_stack_flush(c->tcp->st);
}

int
tusk_tcp_shutdown(struct tusk_tcp_conn *c, uint64_t now)
{
	struct tusk_tcp *tcp = c->tcp;

	if (c->flags & TUSK_TCP_CF_SHUT_WR)
		return 0;
	switch (c->state) {
	case TUSK_TCP_ESTABLISHED:
		tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_FIN_WAIT_1, now);
		break;
	case TUSK_TCP_CLOSE_WAIT:
		tusk_tcp_conn_set_state(tcp, c, TUSK_TCP_LAST_ACK, now);
		break;
	case TUSK_TCP_SYN_SENT:
	case TUSK_TCP_SYN_RECEIVED:
		/* RFC 9293 3.10.4: nothing sent yet; just go away. */
		c->flags |= TUSK_TCP_CF_CLOSED;
		tusk_tcp_output_rst(tcp, c, now);
		tusk_tcp_conn_drop(tcp, c, 0, now);
		tusk_stack_flush(tcp->st);
		return 0;
	default:
		return -ENOTCONN;
	}
	c->flags |= TUSK_TCP_CF_SHUT_WR;
	tusk_tcp_output(tcp, c, now);
	tusk_stack_flush(tcp->st);
	return 0;
}

int
tusk_tcp_close(struct tusk_tcp_conn *c, uint64_t now)
{
	c->flags |= TUSK_TCP_CF_CLOSED;
	/* Out-of-order data can no longer reach the service (more data
	 * resets the connection, tcp_input.c): give its mbufs back now, not
	 * when a peer that never ACKs our FIN lets the connection go
	 * (RFC 2018 8 allows reneging on what we SACKed). */
	tusk_tcp_ofo_free(&c->ofo);
	if (c->state == TUSK_TCP_FIN_WAIT_2)
		tusk_tcp_timers_linger(c->tcp, c, TUSK_TCP_FIN_WAIT2_NS, now);
	if (c->flags & TUSK_TCP_CF_SHUT_WR)
		return 0;
	return tusk_tcp_shutdown(c, now);
}

void
tusk_tcp_abort(struct tusk_tcp_conn *c, uint64_t now)
{
	struct tusk_tcp *tcp = c->tcp;

	c->flags |= TUSK_TCP_CF_CLOSED;
	tusk_tcp_output_rst(tcp, c, now);
	tusk_tcp_conn_free(tcp, c);
	tusk_stack_flush(tcp->st);
}

int
tusk_tcp_set_cc(struct tusk_tcp_conn *c, const char *name, uint64_t now)
{
	const struct tusk_tcp_cc_ops *cc = tusk_tcp_cc_find(name);

	if (cc == NULL)
		return -ENOENT;
	if (c->state == TUSK_TCP_SYN_SENT || c->state == TUSK_TCP_SYN_RECEIVED) {
		c->cc.ops = cc;
		return 0;
	}
	return tusk_tcp_cc_init(&c->cc, cc, c->mss, now);
}

void
tusk_tcp_set_nodelay(struct tusk_tcp_conn *c, bool on)
{
	if (on)
		c->flags |= TUSK_TCP_CF_NODELAY;
	else
		c->flags &= ~TUSK_TCP_CF_NODELAY;
}

void *
tusk_tcp_conn_arg(const struct tusk_tcp_conn *c)
{
	return c->arg;
}

void
tusk_tcp_conn_set_arg(struct tusk_tcp_conn *c, void *arg)
{
	c->arg = arg;
}

enum tusk_tcp_state
tusk_tcp_conn_state(const struct tusk_tcp_conn *c)
{
	return (enum tusk_tcp_state)c->state;
}

void
tusk_tcp_conn_tuple(const struct tusk_tcp_conn *c, struct tusk_addr *laddr,
		    uint16_t *lport, struct tusk_addr *raddr, uint16_t *rport)
{
	*laddr = c->t.laddr;
	*lport = c->t.lport;
	*raddr = c->t.raddr;
	*rport = c->t.rport;
}

void
tusk_tcp_conn_stats(const struct tusk_tcp_conn *c,
		    struct tusk_tcp_conn_stats *o)
{
	memset(o, 0, sizeof(*o));
	o->state = (enum tusk_tcp_state)c->state;
	/* a plain bounded copy: the HTTP endpoint asks for these stats
	 * before every chunk it sends, and an snprintf here took 14% of a
	 * serving lcore (perf, README "Files at network speed") */
	if (c->cc.ops != NULL)
		rte_strlcpy(o->cc, c->cc.ops->name, sizeof(o->cc));
	o->mss = c->mss;
	o->cwnd = c->cc.cwnd;
	o->ssthresh = c->cc.ssthresh;
	o->in_flight = tusk_tcp_sb_pipe(&c->sb);
	o->srtt_ns = c->rtt.srtt;
	o->rttvar_ns = c->rtt.rttvar;
	o->min_rtt_ns = c->rtt.min_rtt;
	o->rto_ns = tusk_tcp_rtt_rto(&c->rtt);
	o->pacing_rate = c->cc.pacing_rate;
	o->bytes_sent = c->s.bytes_sent;
	o->bytes_acked = c->s.bytes_acked;
	o->bytes_delivered = c->s.bytes_delivered;
	o->bytes_retrans = c->s.bytes_retrans;
	o->bytes_received = c->s.bytes_received;
	o->segs_sent = c->s.segs_sent;
	o->segs_received = c->s.segs_received;
	o->segs_retrans = c->s.segs_retrans;
	o->rto_count = c->s.rto_count;
	o->tlp_count = c->s.tlp_count;
	o->sack_recoveries = c->s.recoveries;
	o->spurious_undos = c->s.undos;
	o->dsacks_received = c->s.dsacks;
	o->snd_wnd = c->snd_wnd;
	o->rcv_wnd = tusk_tcp_recv_window(c);
	o->rcv_space = c->rcv_space;
	o->ofo_bytes = c->ofo.bytes;
	o->reo_wnd_ns = tusk_tcp_rack_reo_wnd(&c->rack, &c->rtt, &c->sb, false);
}

void
tusk_tcp_conn_send_view(const struct tusk_tcp_conn *c,
			struct tusk_tcp_conn_send_view *o)
{
	o->bytes_acked = c->s.bytes_acked;
	o->cwnd = c->cc.cwnd;
	o->snd_wnd = c->snd_wnd;
}

void
tusk_tcp_set_msl(struct tusk_stack *st, uint64_t msl_ns)
{
	st->tcp->msl = msl_ns;
}

uint32_t
tusk_tcp_conn_count(const struct tusk_stack *st)
{
	return st->tcp->n_conns;
}

int
tusk_tcp_conn_foreach(const struct tusk_stack *st, tusk_tcp_conn_visit_fn fn,
		      void *arg)
{
	const struct tusk_tcp *tcp = st->tcp;
	uint32_t seen = 0;
	int ret;

	for (uint32_t i = 0; i < tcp->max_conns && seen < tcp->n_conns; i++) {
		const struct tusk_tcp_conn *c = tusk_tcp_conn_at(tcp, i);

		if (!(c->flags & TUSK_TCP_CF_IN_TABLE))
			continue;
		seen++;
		ret = fn(c, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}
