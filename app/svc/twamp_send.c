/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session-sender (twamp.h): count packets, one every interval, from a
 * port of our own to the reflector; each reflection fills the record of
 * the sequence number it echoes.
 *   tusk_twamp_run_start() -> pick_port() -> tusk_udp_bind(send_recv)
 *   twamp_send_poll() -> send_one() -> tusk_udp_send_tos()
 *   send_recv() -> tusk_twamp_refl_decode() -> the record
 *   tusk_twamp_run_check() -> run_end() -> tusk_udp_unbind()
 */
#include <errno.h>
#include <string.h>

#include "stack.h"
#include "twamp_priv.h"

static uint64_t
unix_ns(const struct tusk_twamp *s, uint64_t now)
{
	int64_t off = __atomic_load_n(&s->conf.clock->off_ns,
				      __ATOMIC_RELAXED);

	return (uint64_t)((int64_t)now + off);
}

/*
 * A reflection: the sequence number it echoes names the record (RFC 5357
 * 4.2.1 Sender Sequence Number). From another address or port, or for a
 * packet we never sent, it is stray. A second copy is a duplicate; one
 * below the highest seen so far is reordered (RFC 4737 3.3).
 */
static void
send_recv(void *arg, struct rte_mbuf *m, const struct tusk_udp_meta *meta,
	  uint64_t now)
{
	struct tusk_twamp *s = arg;
	struct tusk_twamp_run *run = s->run;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint8_t buf[TWAMP_TEST_REFL_MIN];
	struct tusk_twamp_refl_pkt p;
	struct tusk_twamp_rec *r;
	const void *d = len >= sizeof(buf) ?
		rte_pktmbuf_read(m, 0, sizeof(buf), buf) : NULL;

	if (run == NULL || run->done || d == NULL ||
	    tusk_twamp_refl_decode(d, len, &p) < 0 ||
	    meta->sport != run->conf.port ||
	    !tusk_addr_eq(&meta->src, &run->conf.dst) ||
	    p.sender_seq >= run->sent) {
		if (run != NULL)
			run->stray++;
		s->c.run_stray++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_free(m);
	r = &run->recs[p.sender_seq];
	if (r->arrival != 0) {
		r->dups++;
		return;
	}
	r->arrival = ++run->arrivals;
	r->t2 = tusk_twamp_ntp_to_unix_ns(p.rx_ts);
	r->t3 = tusk_twamp_ntp_to_unix_ns(p.ts);
	r->t4 = unix_ns(s, now);
	run->rx_gap_max_ns = RTE_MAX(run->rx_gap_max_ns, twamp_rx_gap(s, now));
	r->ttl = p.sender_ttl;
	r->reordered = p.sender_seq < run->max_seq;
	if (p.sender_seq + 1 > run->max_seq)
		run->max_seq = p.sender_seq + 1;
	run->refl_err_est = p.err_est;
}

static int
send_one(struct tusk_twamp *s, struct tusk_twamp_run *run, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->env.data_pool);
	struct tusk_twamp_rec *r = &run->recs[run->sent];
	struct tusk_twamp_send_pkt p;
	uint8_t *d;
	int ret;

	d = m != NULL ? (uint8_t *)rte_pktmbuf_append(
				m, (uint16_t)run->conf.size) : NULL;
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	run->our_err_est = twamp_err_est(s, now);
	r->t1 = unix_ns(s, now);
	p = (struct tusk_twamp_send_pkt){
		.seq = run->sent,
		.ts = tusk_twamp_ntp_from_unix_ns(r->t1),
		.err_est = run->our_err_est,
	};
	tusk_twamp_send_encode(d, run->conf.size, &p);
	ret = tusk_udp_send_tos(s->env.st, m, run->sport, &run->conf.dst,
				run->conf.port, run->conf.tos, now);
	/* a packet the stack dropped (no ARP yet, a full ring) was still
	 * sent as far as the schedule goes: it counts as lost */
	run->sent++;
	run->t_last_tx = now;
	return ret == -ENETUNREACH || ret == -EMSGSIZE ? ret : 0;
}

static void
run_end(struct tusk_twamp *s, struct tusk_twamp_run *run, int err)
{
	if (run->sport != 0)
		tusk_udp_unbind(s->env.st, run->sport);
	run->err = err;
	__atomic_store_n(&run->done, true, __ATOMIC_RELEASE);
	s->run = NULL;
}

void
twamp_send_poll(struct tusk_twamp *s, uint64_t now)
{
	struct tusk_twamp_run *run = s->run;
	int ret;

	for (unsigned int n = 0; n < TWAMP_SEND_BURST &&
	     run->sent < run->conf.count && now >= run->t_next; n++) {
		ret = send_one(s, run, now);
		if (ret == -ENOBUFS)
			return;       /* the pool is empty: next iteration */
		if (ret < 0) {
			run_end(s, run, ret);
			return;
		}
		run->t_next += run->conf.interval_ns;
	}
	/* leave now, not at the end of the next iteration: t1 is now */
	tusk_stack_flush(s->env.st);
	if (run->sent == run->conf.count &&
	    (run->arrivals == run->sent ||
	     now - run->t_last_tx >= TUSK_TWAMP_WAIT_MS * TWAMP_NS_PER_MS))
		run_end(s, run, 0);
}

static int
pick_port(struct tusk_twamp *s, struct tusk_twamp_run *run)
{
	for (unsigned int i = 0; i < TWAMP_SEND_PORT_SPAN; i++) {
		uint16_t port = (uint16_t)(TWAMP_SEND_PORT_BASE +
					   s->port_rot++ % TWAMP_SEND_PORT_SPAN);

		if (tusk_udp_bind(s->env.st, port, send_recv, s) == 0) {
			run->sport = port;
			return 0;
		}
	}
	return -EADDRINUSE;
}

int
tusk_twamp_run_start(struct tusk_twamp *s, struct tusk_twamp_run *run,
		     uint64_t now)
{
	uint32_t max;
	int ret;

	if (!s->conf.control)
		return -EINVAL;
	if (s->run != NULL)
		return -EBUSY;
	max = tusk_udp_max_payload(s->env.st, &run->conf.dst);
	if (max == 0)
		return -ENETUNREACH;
	if (run->conf.size > max || run->conf.size < TWAMP_TEST_SEND_MIN)
		return -EMSGSIZE;
	ret = pick_port(s, run);
	if (ret < 0)
		return ret;
	run->t_start = run->t_next = now;
	s->run = run;
	s->c.runs++;
	return 0;
}

int
tusk_twamp_run_check(struct tusk_twamp *s, struct tusk_twamp_run *run,
		     bool abandon)
{
	if (s->run != run)
		return 1;
	if (abandon)
		run_end(s, run, -ECANCELED);
	return s->run != run;
}
