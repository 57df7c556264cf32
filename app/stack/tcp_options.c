/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options codec. Parsing never reads past `len`; writing lays options
 * out as Linux does (aligned with NOPs) so that peers' fast paths match.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "cksum.h"
#include "tcp_options.h"
#include "tcp_wire.h"

/* Option lengths (kind + length bytes included). */
#define OPTLEN_MSS 4
#define OPTLEN_WS 3
#define OPTLEN_SACK_OK 2
#define OPTLEN_TS 10
#define OPTLEN_SACK_BLOCK 8

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static void
parse_one(const uint8_t *p, unsigned int olen, bool syn,
	  struct tusk_tcp_opts *o)
{
	switch (p[0]) {
	case TUSK_TCP_OPT_MSS:
		if (syn && olen == OPTLEN_MSS) {
			o->mss = get16(p + 2);
			o->present |= TUSK_TCP_OPTF_MSS;
		}
		break;
	case TUSK_TCP_OPT_WS:
		if (syn && olen == OPTLEN_WS) {
			/* RFC 7323 2.3: a shift over 14 is used as 14. */
			o->wscale = RTE_MIN(p[2], TUSK_TCP_MAX_WSCALE);
			o->present |= TUSK_TCP_OPTF_WS;
		}
		break;
	case TUSK_TCP_OPT_SACK_OK:
		if (syn && olen == OPTLEN_SACK_OK)
			o->present |= TUSK_TCP_OPTF_SACK_OK;
		break;
	case TUSK_TCP_OPT_TS:
		if (olen == OPTLEN_TS) {
			o->tsval = get32(p + 2);
			o->tsecr = get32(p + 6);
			o->present |= TUSK_TCP_OPTF_TS;
		}
		break;
	case TUSK_TCP_OPT_SACK:
		if (syn || olen < 2 + OPTLEN_SACK_BLOCK ||
		    (olen - 2) % OPTLEN_SACK_BLOCK != 0)
			break;
		o->nsack = 0;
		for (unsigned int i = 2; i < olen &&
		     o->nsack < TUSK_TCP_MAX_SACK; i += OPTLEN_SACK_BLOCK) {
			o->sack[o->nsack].start = get32(p + i);
			o->sack[o->nsack].end = get32(p + i + 4);
			o->nsack++;
		}
		o->present |= TUSK_TCP_OPTF_SACK;
		break;
	default:
		break; /* unknown kinds are skipped by their length */
	}
}

int
tusk_tcp_options_parse(const uint8_t *p, unsigned int len, bool syn,
		       struct tusk_tcp_opts *o)
{
	unsigned int i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		if (p[i] == TUSK_TCP_OPT_EOL)
			return 0;
		if (p[i] == TUSK_TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL; /* kind without a length byte */
		unsigned int olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		parse_one(p + i, olen, syn, o);
		i += olen;
	}
	return 0;
}

/* Which options fit in `room` bytes, laid out as Linux does. */
struct layout {
	bool mss, ok_ts, ok_nops, ts, ws;
	unsigned int nsack; /* SACK blocks */
	unsigned int len;
};

/* Inlined, so the layout stays in registers: read back from the stack, its
 * flags stored a byte at a time would be loaded two at once, a load that
 * cannot be forwarded from the stores (cksum.h). */
static __rte_always_inline void
lay_out(const struct tusk_tcp_opts *o, unsigned int room, struct layout *l)
{
	unsigned int n = RTE_MIN(o->nsack, (unsigned int)TUSK_TCP_MAX_SACK);

	*l = (struct layout){ 0 };
	if ((o->present & TUSK_TCP_OPTF_MSS) && l->len + 4 <= room) {
		l->mss = true;
		l->len += 4;
	}
	/* SACK-permitted shares the timestamp's alignment, as Linux. */
	if ((o->present & TUSK_TCP_OPTF_SACK_OK) &&
	    (o->present & TUSK_TCP_OPTF_TS) && l->len + 12 <= room) {
		l->ok_ts = l->ts = true;
		l->len += 12;
	} else if ((o->present & TUSK_TCP_OPTF_SACK_OK) && l->len + 4 <= room) {
		l->ok_nops = true;
		l->len += 4;
	}
	if ((o->present & TUSK_TCP_OPTF_TS) && !l->ts && l->len + 12 <= room) {
		l->ts = true;
		l->len += 12;
	}
	if ((o->present & TUSK_TCP_OPTF_WS) && l->len + 4 <= room) {
		l->ws = true;
		l->len += 4;
	}
	if (!(o->present & TUSK_TCP_OPTF_SACK))
		n = 0;
	while (n > 0 && l->len + 4 + n * OPTLEN_SACK_BLOCK > room)
		n--;
	if (n > 0) {
		l->nsack = n;
		l->len += 4 + n * OPTLEN_SACK_BLOCK;
	}
}

/* The 32-bit option word of bytes a b c d. */
static rte_be32_t
word(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return rte_cpu_to_be_32(((uint32_t)a << 24) | ((uint32_t)b << 16) |
				((uint32_t)c << 8) | d);
}

unsigned int
tusk_tcp_options_len(const struct tusk_tcp_opts *o, unsigned int room)
{
	struct layout l;

	lay_out(o, room, &l);
	return l.len;
}

unsigned int
tusk_tcp_options_write(uint8_t *buf, unsigned int room,
		       const struct tusk_tcp_opts *o, uint64_t *sum)
{
	uint8_t *p = buf;
	struct layout l;

	lay_out(o, room, &l);
	if (l.mss) {
		tusk_cksum_put32(p, word(TUSK_TCP_OPT_MSS, OPTLEN_MSS,
					 (uint8_t)(o->mss >> 8),
					 (uint8_t)o->mss), sum);
		p += 4;
	}
	if (l.ok_nops) {
		tusk_cksum_put32(p, word(TUSK_TCP_OPT_NOP, TUSK_TCP_OPT_NOP,
					 TUSK_TCP_OPT_SACK_OK, OPTLEN_SACK_OK), sum);
		p += 4;
	}
	if (l.ts) {
		/* SACK-permitted fills the timestamp's alignment when both */
		tusk_cksum_put32(p, l.ok_ts ?
				 word(TUSK_TCP_OPT_SACK_OK, OPTLEN_SACK_OK,
				      TUSK_TCP_OPT_TS, OPTLEN_TS) :
				 word(TUSK_TCP_OPT_NOP, TUSK_TCP_OPT_NOP,
				      TUSK_TCP_OPT_TS, OPTLEN_TS), sum);
		tusk_cksum_put32(p + 4, rte_cpu_to_be_32(o->tsval), sum);
		tusk_cksum_put32(p + 8, rte_cpu_to_be_32(o->tsecr), sum);
		p += 12;
	}
	if (l.ws) {
		tusk_cksum_put32(p, word(TUSK_TCP_OPT_NOP, TUSK_TCP_OPT_WS,
					 OPTLEN_WS, o->wscale), sum);
		p += 4;
	}
	if (l.nsack > 0) {
		tusk_cksum_put32(p, word(TUSK_TCP_OPT_NOP, TUSK_TCP_OPT_NOP,
					 TUSK_TCP_OPT_SACK, (uint8_t)(2 +
					 l.nsack * OPTLEN_SACK_BLOCK)), sum);
		p += 4;
		for (unsigned int i = 0; i < l.nsack; i++, p += 8) {
			tusk_cksum_put32(p, rte_cpu_to_be_32(o->sack[i].start),
					 sum);
			tusk_cksum_put32(p + 4, rte_cpu_to_be_32(o->sack[i].end),
					 sum);
		}
	}
	return l.len;
}
