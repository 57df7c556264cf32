/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TWAMP / STAMP test packets, NTP timestamps, Error Estimates
 * (twamp_pkt.h).
 */
#include <errno.h>
#include <string.h>

#include "twamp_pkt.h"
#include "twamp_wire.h"

#define PKT_NS_PER_S 1000000000ull

uint64_t
tusk_twamp_ntp_from_unix_ns(uint64_t unix_ns)
{
	uint64_t sec = unix_ns / PKT_NS_PER_S + TWAMP_NTP_UNIX_OFFSET;
	uint64_t ns = unix_ns % PKT_NS_PER_S;
	/* < 2^32 for ns < 1e9: no carry into the seconds */
	uint64_t frac = ((ns << 32) + PKT_NS_PER_S / 2) / PKT_NS_PER_S;

	return sec << 32 | frac;
}

uint64_t
tusk_twamp_ntp_to_unix_ns(uint64_t ntp)
{
	uint64_t sec = ntp >> 32, frac = ntp & 0xffffffffu;

	if (sec < TWAMP_NTP_UNIX_OFFSET)
		return 0;
	return (sec - TWAMP_NTP_UNIX_OFFSET) * PKT_NS_PER_S +
	       ((frac * PKT_NS_PER_S + (1ull << 31)) >> 32);
}

/* The smallest Scale whose Multiplier (<= 255) covers err: multiplier =
 * ceil(err / 2^(scale-32)), computed in units of 2^-32 s (err_ns * 2^32
 * / 1e9 fits 128 bits). */
uint16_t
tusk_twamp_err_encode(bool synced, uint64_t err_ns)
{
	unsigned __int128 units = ((unsigned __int128)err_ns << 32) /
				  PKT_NS_PER_S + 1;
	uint16_t s = synced ? TWAMP_ERR_S : 0;

	for (unsigned int scale = 0; scale <= TWAMP_ERR_SCALE_MASK; scale++) {
		unsigned __int128 q = (unsigned __int128)1 << scale;
		unsigned __int128 mult = (units + q - 1) / q;

		if (mult <= TWAMP_ERR_MULT_MASK)
			return (uint16_t)(s | scale << TWAMP_ERR_SCALE_SHIFT |
					  (mult == 0 ? 1 : (unsigned int)mult));
	}
	/* not reached: 2^64 ns is 2^66 units, multiplier 8 at scale 63 */
	return (uint16_t)(s | TWAMP_ERR_SCALE_MASK << TWAMP_ERR_SCALE_SHIFT |
			  TWAMP_ERR_MULT_MASK);
}

int
tusk_twamp_err_decode(uint16_t e, bool *synced, double *err_ns)
{
	unsigned int scale = e >> TWAMP_ERR_SCALE_SHIFT & TWAMP_ERR_SCALE_MASK;
	unsigned int mult = e & TWAMP_ERR_MULT_MASK;

	*synced = (e & TWAMP_ERR_S) != 0;
	*err_ns = 0;
	if (mult == 0)
		return -EINVAL;
	*err_ns = (double)mult * (double)((unsigned __int128)1 << scale) /
		  4294967296.0 * 1e9;
	return 0;
}

static void
ts_put(struct twamp_ts *w, uint64_t ntp)
{
	w->sec = rte_cpu_to_be_32((uint32_t)(ntp >> 32));
	w->frac = rte_cpu_to_be_32((uint32_t)ntp);
}

static uint64_t
ts_get(const struct twamp_ts *w)
{
	return (uint64_t)rte_be_to_cpu_32(w->sec) << 32 |
	       rte_be_to_cpu_32(w->frac);
}

static uint16_t
ssid_get(const uint8_t *buf, uint32_t len)
{
	rte_be16_t v;

	if (len < TWAMP_STAMP_LEN)
		return 0;
	memcpy(&v, buf + TWAMP_STAMP_SSID_OFF, sizeof(v));
	return rte_be_to_cpu_16(v);
}

int
tusk_twamp_send_decode(const void *buf, uint32_t len,
		       struct tusk_twamp_send_pkt *out)
{
	struct twamp_test_send w;

	if (len < TWAMP_TEST_SEND_MIN)
		return -EMSGSIZE;
	memcpy(&w, buf, sizeof(w));
	out->seq = rte_be_to_cpu_32(w.seq);
	out->ts = ts_get(&w.ts);
	out->err_est = rte_be_to_cpu_16(w.err_est);
	out->ssid = ssid_get(buf, len);
	return 0;
}

void
tusk_twamp_send_encode(void *buf, uint32_t len,
		       const struct tusk_twamp_send_pkt *p)
{
	struct twamp_test_send w;
	rte_be16_t ssid = rte_cpu_to_be_16(p->ssid);

	memset(buf, 0, len);
	w.seq = rte_cpu_to_be_32(p->seq);
	ts_put(&w.ts, p->ts);
	w.err_est = rte_cpu_to_be_16(p->err_est);
	memcpy(buf, &w, sizeof(w));
	if (len >= TWAMP_STAMP_LEN)
		memcpy((uint8_t *)buf + TWAMP_STAMP_SSID_OFF, &ssid,
		       sizeof(ssid));
}

int
tusk_twamp_refl_decode(const void *buf, uint32_t len,
		       struct tusk_twamp_refl_pkt *out)
{
	struct twamp_test_refl w;

	if (len < TWAMP_TEST_REFL_MIN)
		return -EMSGSIZE;
	memcpy(&w, buf, sizeof(w));
	out->seq = rte_be_to_cpu_32(w.seq);
	out->ts = ts_get(&w.ts);
	out->err_est = rte_be_to_cpu_16(w.err_est);
	out->ssid = rte_be_to_cpu_16(w.mbz1);
	out->rx_ts = ts_get(&w.rx_ts);
	out->sender_seq = rte_be_to_cpu_32(w.sender_seq);
	out->sender_ts = ts_get(&w.sender_ts);
	out->sender_err_est = rte_be_to_cpu_16(w.sender_err_est);
	out->sender_ttl = w.sender_ttl;
	return 0;
}

void
tusk_twamp_refl_encode(void *buf, uint32_t len,
		       const struct tusk_twamp_refl_pkt *p)
{
	struct twamp_test_refl w = {
		.seq = rte_cpu_to_be_32(p->seq),
		.err_est = rte_cpu_to_be_16(p->err_est),
		.mbz1 = rte_cpu_to_be_16(p->ssid),
		.sender_seq = rte_cpu_to_be_32(p->sender_seq),
		.sender_err_est = rte_cpu_to_be_16(p->sender_err_est),
		.sender_ttl = p->sender_ttl,
	};

	ts_put(&w.ts, p->ts);
	ts_put(&w.rx_ts, p->rx_ts);
	ts_put(&w.sender_ts, p->sender_ts);
	memset(buf, 0, len);
	memcpy(buf, &w, sizeof(w));
}

uint32_t
tusk_twamp_refl_len(uint32_t sender_len)
{
	return sender_len < TWAMP_TEST_REFL_MIN ? TWAMP_TEST_REFL_MIN :
						  sender_len;
}
