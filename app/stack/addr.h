/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network addresses as small value types.
 *
 * Everything above the IP layer (TCP, services, the control socket) names
 * hosts through struct tusk_addr, never through a bare uint32_t, so that
 * IPv6 can be added by filling in the other half of the union and the
 * functions below, without touching TCP.
 */
#ifndef TUSK_ADDR_H
#define TUSK_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

enum tusk_af {
	TUSK_AF_INET = 4,
	TUSK_AF_INET6 = 6, /* reserved: not implemented yet */
};

struct tusk_addr {
	uint8_t family; /* enum tusk_af */
	union {
		rte_be32_t v4; /* network byte order */
		uint8_t v6[16];
	};
};

/* Longest text form, "255.255.255.255" plus NUL (IPv6 would be 46). */
#define TUSK_ADDR_STRLEN 46

static inline struct tusk_addr
tusk_addr_v4(rte_be32_t be)
{
	struct tusk_addr a;

	memset(&a, 0, sizeof(a));
	a.family = TUSK_AF_INET;
	a.v4 = be;
	return a;
}

static inline bool
tusk_addr_eq(const struct tusk_addr *a, const struct tusk_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == TUSK_AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
}

/* 32-bit mix of the address, for hash tables. */
static inline uint32_t
tusk_addr_hash(const struct tusk_addr *a)
{
	if (a->family == TUSK_AF_INET)
		return rte_be_to_cpu_32(a->v4);
	uint32_t h = 0;
	for (size_t i = 0; i < sizeof(a->v6); i += 4) {
		uint32_t w;
		memcpy(&w, &a->v6[i], 4);
		h = h * 0x9e3779b1u + w;
	}
	return h;
}

/* Parse dotted-quad text; returns 0 or -EINVAL. */
int tusk_addr_parse(const char *s, struct tusk_addr *out);
/* Format into buf (at least TUSK_ADDR_STRLEN bytes); returns buf. */
char *tusk_addr_format(const struct tusk_addr *a, char *buf, size_t len);
/* Parse "a.b.c.d/len"; returns 0 or -EINVAL. */
int tusk_addr_parse_prefix(const char *s, struct tusk_addr *out,
			   uint8_t *prefix_len);

#endif /* TUSK_ADDR_H */
