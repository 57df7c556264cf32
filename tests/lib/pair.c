/* SPDX-License-Identifier: BSD-3-Clause */
/* Two stacks over an in-process link in virtual time (see pair.h). */
#include <stdlib.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "pair.h"
#include "tcp_api.h"

/* TIME-WAIT is 2 x MSL: 20 ms lets tests end with every connection gone. */
#define PAIR_MSL_NS 10000000ull

struct tusk_pair_dir {
	struct tusk_pair *p;
	uint32_t head, n;
	uint64_t at[TUSK_PAIR_SLOTS];
	struct rte_mbuf *q[TUSK_PAIR_SLOTS];
};

static uint16_t
pair_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct tusk_pair_dir *d = arg;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t slot = (d->head + d->n) % TUSK_PAIR_SLOTS;

		if (d->n == TUSK_PAIR_SLOTS) {
			d->p->dropped++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		d->q[slot] = pkts[i];
		d->at[slot] = d->p->now + d->p->delay_ns;
		d->n++;
	}
	return n;
}

static void
deliver(struct tusk_pair_dir *d, struct tusk_stack *to)
{
	while (d->n > 0 && d->at[d->head] <= d->p->now) {
		struct rte_mbuf *m = d->q[d->head];

		d->head = (d->head + 1) % TUSK_PAIR_SLOTS;
		d->n--;
		m->ol_flags &= ~(RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
				 RTE_MBUF_F_TX_IP_CKSUM);
		tusk_stack_input(to, 0, &m, 1, d->p->now);
	}
}

static struct tusk_stack *
make_stack(struct tusk_pair *p, struct rte_mempool *pool, uint8_t host,
	   uint16_t mtu, uint32_t max_conns, struct tusk_pair_dir *out)
{
	struct tusk_stack_conf sc = { .pool = pool, .seed = host,
				      .max_conns = max_conns };
	struct tusk_iface_conf ifc = { .prefix_len = 24, .mtu = mtu,
				       .tx = pair_tx, .tx_arg = out };
	struct tusk_stack *st = tusk_stack_create(&sc);

	if (st == NULL)
		return NULL;
	ifc.mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, host}};
	ifc.addr = tusk_addr_v4(rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, host)));
	if (tusk_stack_add_iface(st, &ifc, p->now) < 0) {
		tusk_stack_free(st);
		return NULL;
	}
	tusk_tcp_set_msl(st, PAIR_MSL_NS);
	return st;
}

int
tusk_pair_init(struct tusk_pair *p, struct rte_mempool *pool, uint16_t mtu,
	       uint32_t max_conns, uint64_t delay_ns)
{
	uint64_t now = p->now;

	*p = (struct tusk_pair){ .now = now, .delay_ns = delay_ns };
	for (int i = 0; i < 2; i++) {
		p->dir[i] = calloc(1, sizeof(*p->dir[i]));
		if (p->dir[i] == NULL)
			goto fail;
		p->dir[i]->p = p;
	}
	p->a = make_stack(p, pool, 1, mtu, max_conns, p->dir[0]);
	p->b = make_stack(p, pool, 2, mtu, max_conns, p->dir[1]);
	if (p->a != NULL && p->b != NULL)
		return 0;
fail:
	tusk_pair_fini(p);
	return -1;
}

void
tusk_pair_fini(struct tusk_pair *p)
{
	for (int i = 0; i < 2; i++) {
		struct tusk_pair_dir *d = p->dir[i];

		while (d != NULL && d->n > 0) {
			rte_pktmbuf_free(d->q[d->head]);
			d->head = (d->head + 1) % TUSK_PAIR_SLOTS;
			d->n--;
		}
		free(d);
		p->dir[i] = NULL;
	}
	if (p->a != NULL)
		tusk_stack_free(p->a);
	if (p->b != NULL)
		tusk_stack_free(p->b);
	p->a = p->b = NULL;
}

void
tusk_pair_step(struct tusk_pair *p)
{
	deliver(p->dir[0], p->b);
	deliver(p->dir[1], p->a);
	tusk_stack_poll(p->a, p->now);
	tusk_stack_poll(p->b, p->now);
}

uint32_t
tusk_pair_in_flight(const struct tusk_pair *p)
{
	return p->dir[0]->n + p->dir[1]->n;
}

uint64_t
tusk_pair_next_event(const struct tusk_pair *p)
{
	uint64_t t = tusk_stack_next_event(p->a);

	if (tusk_stack_next_event(p->b) < t)
		t = tusk_stack_next_event(p->b);
	for (int i = 0; i < 2; i++)
		if (p->dir[i]->n > 0 && p->dir[i]->at[p->dir[i]->head] < t)
			t = p->dir[i]->at[p->dir[i]->head];
	return t;
}
