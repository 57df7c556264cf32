/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP instance and its session-reflector (twamp.h).
 *   tusk_twamp_create() -> tusk_udp_bind(port, refl_recv)
 *                       -> twamp_ctrl_listen()            (control)
 *   refl_recv() -> flow_seq() -> twamp_reflect() -> tusk_udp_send_tos()
 *   tusk_twamp_poll() -> twamp_send_poll(), twamp_ctrl_poll()
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "twamp_priv.h"

uint64_t
tusk_twamp_ntp_now(const struct tusk_twamp_clock *c, uint64_t now)
{
	int64_t off = __atomic_load_n(&c->off_ns, __ATOMIC_RELAXED);

	return tusk_twamp_ntp_from_unix_ns((uint64_t)((int64_t)now + off));
}

uint64_t
twamp_rx_gap(const struct tusk_twamp *s, uint64_t now)
{
	return s->last_poll != 0 && now > s->last_poll ? now - s->last_poll : 0;
}

uint16_t
twamp_err_est(const struct tusk_twamp *s, uint64_t now)
{
	const struct tusk_twamp_clock *c = s->conf.clock;

	return tusk_twamp_err_encode(
		__atomic_load_n(&c->synced, __ATOMIC_RELAXED),
		__atomic_load_n(&c->err_ns, __ATOMIC_RELAXED) +
		TUSK_TWAMP_STAMP_ERR_NS + twamp_rx_gap(s, now));
}

/*
 * Answer one sender packet (RFC 5357 4.2.1, RFC 8762 4.3): its sequence
 * number, timestamp, error estimate and the TTL it arrived with, our
 * receive and transmit times (the rx burst's; the reply leaves in the tx
 * burst of the same loop iteration, so both are `now` and the residence
 * time shows as 0: the Error Estimate covers it), our own sequence
 * number, the STAMP SSID copied (RFC 8972 3). Sent back to where it came
 * from, with the TOS it came with (RFC 8762 4.3: the reflector SHOULD).
 */
void
twamp_reflect(struct tusk_twamp *s, struct rte_mbuf *m,
	      const struct tusk_udp_meta *meta, uint32_t seq, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint8_t buf[TWAMP_STAMP_LEN];
	struct tusk_twamp_send_pkt in;
	struct tusk_twamp_refl_pkt out;
	struct rte_mbuf *r;
	uint32_t rlen;
	uint8_t *p;

	if (tusk_twamp_send_decode(rte_pktmbuf_read(m, 0, RTE_MIN(len,
			(uint32_t)sizeof(buf)), buf), len, &in) < 0) {
		s->c.short_pkts++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_free(m);
	rlen = tusk_twamp_refl_len(len);
	r = rte_pktmbuf_alloc(s->env.data_pool);
	p = r != NULL ? (uint8_t *)rte_pktmbuf_append(r, (uint16_t)rlen) : NULL;
	if (p == NULL) {
		rte_pktmbuf_free(r);
		s->c.refl_fail++;
		return;
	}
	out = (struct tusk_twamp_refl_pkt){
		.seq = seq, .err_est = twamp_err_est(s, now), .ssid = in.ssid,
		.sender_seq = in.seq, .sender_ts = in.ts,
		.sender_err_est = in.err_est, .sender_ttl = meta->ttl,
	};
	out.ts = out.rx_ts = tusk_twamp_ntp_now(s->conf.clock, now);
	tusk_twamp_refl_encode(p, rlen, &out);
	if (tusk_udp_send_tos(s->env.st, r, meta->dport, &meta->src,
			      meta->sport, meta->tos, now) < 0) {
		s->c.refl_fail++;
		return;
	}
	s->c.reflected++;
}

/* The reflector's own sequence number for this sender (stateful, RFC
 * 8762 4.3.2): a counter per flow, the least recently used forgotten. */
static uint32_t
flow_seq(struct tusk_twamp *s, const struct tusk_udp_meta *meta,
	 uint64_t now)
{
	struct twamp_flow *f, *lru = &s->flows[0];

	for (unsigned int i = 0; i < TWAMP_FLOWS_MAX; i++) {
		f = &s->flows[i];
		if (f->used != 0 && f->sport == meta->sport &&
		    f->dport == meta->dport && tusk_addr_eq(&f->addr, &meta->src)) {
			f->used = now | 1;
			return f->seq++;
		}
		if (f->used < lru->used)
			lru = f;
	}
	*lru = (struct twamp_flow){
		.addr = meta->src, .sport = meta->sport, .dport = meta->dport,
		.seq = 1, .used = now | 1,
	};
	return 0;
}

static void
refl_recv(void *arg, struct rte_mbuf *m, const struct tusk_udp_meta *meta,
	  uint64_t now)
{
	struct tusk_twamp *s = arg;

	if (rte_pktmbuf_pkt_len(m) < TWAMP_TEST_SEND_MIN) {
		s->c.short_pkts++;
		rte_pktmbuf_free(m);
		return;
	}
	twamp_reflect(s, m, meta, flow_seq(s, meta, now), now);
}

struct tusk_twamp *
tusk_twamp_create(const struct tusk_svc_env *env,
		  const struct tusk_twamp_conf *conf)
{
	struct tusk_twamp *s;
	int ret;

	if (conf->port == 0 || conf->clock == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->env = *env;
	s->conf = *conf;
	ret = tusk_udp_bind(env->st, conf->port, refl_recv, s);
	if (ret == 0 && conf->control) {
		ret = twamp_ctrl_listen(s);
		if (ret < 0)
			tusk_udp_unbind(env->st, conf->port);
	}
	if (ret < 0) {
		free(s);
		rte_errno = -ret;
		return NULL;
	}
	return s;
}

void
tusk_twamp_poll(void *arg, uint64_t now)
{
	struct tusk_twamp *s = arg;

	if (s->run != NULL)
		twamp_send_poll(s, now);
	if (s->conf.control && now >= s->ctrl_next) {
		twamp_ctrl_poll(s, now);
		s->ctrl_next = now + TWAMP_CTRL_POLL_NS;
	}
	s->last_poll = now;
}

void
tusk_twamp_free(void *arg)
{
	struct tusk_twamp *s = arg;

	if (s == NULL)
		return;
	if (s->run != NULL)
		tusk_twamp_run_check(s, s->run, true);
	if (s->conf.control) {
		twamp_ctrl_free(s, 0);
		tusk_tcp_unlisten(s->env.st, s->conf.port);
	}
	tusk_udp_unbind(s->env.st, s->conf.port);
	free(s);
}

void
tusk_twamp_info(const struct tusk_twamp *s, struct tusk_twamp_info *out)
{
	memset(out, 0, sizeof(*out));
	out->port = s->conf.port;
	out->control = s->conf.control;
	out->c = s->c;
	for (unsigned int i = 0; i < TWAMP_CTRL_CONNS_MAX; i++)
		out->ctrl_open += s->conns[i].c != NULL;
	for (unsigned int i = 0; i < TWAMP_SESSIONS_MAX; i++)
		out->sessions_open += s->sessions[i].owner != NULL;
}
