/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <arpa/inet.h>

#include "addr.h"

int
tusk_addr_parse(const char *s, struct tusk_addr *out)
{
	struct in_addr in;

	/* inet_pton accepts only the strict dotted-quad form (no octal or
	 * shortened forms that inet_aton would take). */
	if (s == NULL || inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*out = tusk_addr_v4(in.s_addr);
	return 0;
}

char *
tusk_addr_format(const struct tusk_addr *a, char *buf, size_t len)
{
	if (a->family != TUSK_AF_INET ||
	    inet_ntop(AF_INET, &a->v4, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

int
tusk_addr_parse_prefix(const char *s, struct tusk_addr *out,
		       uint8_t *prefix_len)
{
	char ip[TUSK_ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > 32)
		return -EINVAL;
	if (tusk_addr_parse(ip, out) != 0)
		return -EINVAL;
	*prefix_len = (uint8_t)len;
	return 0;
}
