/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options codec. Parsing never reads past `len`; writing lays options
 * out as Linux does (aligned with NOPs) so that peers' fast paths match.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

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
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
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

static unsigned int
write_sack(uint8_t *buf, unsigned int room, const struct tusk_tcp_opts *o)
{
	unsigned int n = o->nsack, len;

	if (n > TUSK_TCP_MAX_SACK)
		n = TUSK_TCP_MAX_SACK;
	while (n > 0 && 4 + n * OPTLEN_SACK_BLOCK > room)
		n--;
	if (n == 0)
		return 0;
	buf[0] = TUSK_TCP_OPT_NOP;
	buf[1] = TUSK_TCP_OPT_NOP;
	buf[2] = TUSK_TCP_OPT_SACK;
	buf[3] = (uint8_t)(2 + n * OPTLEN_SACK_BLOCK);
	len = 4;
	for (unsigned int i = 0; i < n; i++) {
		put32(buf + len, o->sack[i].start);
		put32(buf + len + 4, o->sack[i].end);
		len += OPTLEN_SACK_BLOCK;
	}
	return len;
}

unsigned int
tusk_tcp_options_write(uint8_t *buf, unsigned int room,
		       const struct tusk_tcp_opts *o)
{
	unsigned int len = 0;

	if ((o->present & TUSK_TCP_OPTF_MSS) && len + 4 <= room) {
		buf[len] = TUSK_TCP_OPT_MSS;
		buf[len + 1] = OPTLEN_MSS;
		put16(buf + len + 2, o->mss);
		len += 4;
	}
	if ((o->present & TUSK_TCP_OPTF_SACK_OK) &&
	    (o->present & TUSK_TCP_OPTF_TS) && len + 12 <= room) {
		/* SACK-permitted shares the timestamp's alignment, as Linux. */
		buf[len] = TUSK_TCP_OPT_SACK_OK;
		buf[len + 1] = OPTLEN_SACK_OK;
		len += 2;
	} else if ((o->present & TUSK_TCP_OPTF_SACK_OK) && len + 4 <= room) {
		buf[len] = TUSK_TCP_OPT_NOP;
		buf[len + 1] = TUSK_TCP_OPT_NOP;
		buf[len + 2] = TUSK_TCP_OPT_SACK_OK;
		buf[len + 3] = OPTLEN_SACK_OK;
		len += 4;
	}
	if ((o->present & TUSK_TCP_OPTF_TS) &&
	    len + (len % 4 == 0 ? 12u : 10u) <= room) {
		if (len % 4 == 0) {
			buf[len] = TUSK_TCP_OPT_NOP;
			buf[len + 1] = TUSK_TCP_OPT_NOP;
			len += 2;
		}
		buf[len] = TUSK_TCP_OPT_TS;
		buf[len + 1] = OPTLEN_TS;
		put32(buf + len + 2, o->tsval);
		put32(buf + len + 6, o->tsecr);
		len += OPTLEN_TS;
	}
	if ((o->present & TUSK_TCP_OPTF_WS) && len + 4 <= room) {
		buf[len] = TUSK_TCP_OPT_NOP;
		buf[len + 1] = TUSK_TCP_OPT_WS;
		buf[len + 2] = OPTLEN_WS;
		buf[len + 3] = o->wscale;
		len += 4;
	}
	if (o->present & TUSK_TCP_OPTF_SACK)
		len += write_sack(buf + len, room - len, o);
	return len;
}
