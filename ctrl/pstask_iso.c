/* SPDX-License-Identifier: BSD-3-Clause */
/* pstask_iso: ISO 8601 durations and timestamps (pstask_iso.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pstask_iso.h"

/* One "nX" of a duration: the number and its unit letter; NULL when
 * malformed. Fractions only where frac (seconds). */
static const char *
part(const char *p, double *n, char *unit, int frac)
{
	char *end;

	if (!isdigit((unsigned char)*p))
		return NULL;
	*n = strtod(p, &end);
	if (end == p || *end == '\0' || (!frac && *n != floor(*n)))
		return NULL;
	*unit = *end;
	return end + 1;
}

/* Units in the order they may come, and their seconds. */
static const char units[] = "WDHMS";
static const double unit_s[] = { 604800, 86400, 3600, 60, 1 };

double
tusk_iso_duration(const char *s)
{
	const char *p = s;
	double total = 0, n;
	int i = 0, any = 0, in_time = 0;
	char u;

	if (p == NULL || *p++ != 'P')
		return -1;
	while (*p) {
		if (*p == 'T' && !in_time) {
			in_time = 1;
			i = 2; /* H, M, S from here */
			if (!*++p)
				return -1;
			continue;
		}
		if ((p = part(p, &n, &u, 1)) == NULL)
			return -1;
		while (units[i] && units[i] != u)
			i++;
		/* W, D before T; H, M, S after; only seconds fractional */
		if (!units[i] || (i >= 2) != in_time ||
		    (u != 'S' && n != floor(n)))
			return -1;
		total += n * unit_s[i++];
		any = 1;
	}
	return any ? total : -1;
}

double
tusk_iso_time(const char *s)
{
	struct tm tm;
	const char *p;
	double frac = 0;
	int sign, oh, om, used = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.') {
		char *end;

		frac = strtod(p, &end);
		p = end;
	}
	if (*p == 'Z' && !p[1])
		return (double)timegm(&tm) + frac;
	if ((*p != '+' && *p != '-') ||
	    sscanf(p + 1, "%2d:%2d%n", &oh, &om, &used) != 2 || p[1 + used])
		return -1;
	sign = *p == '+' ? 1 : -1;
	return (double)timegm(&tm) + frac - sign * (oh * 3600 + om * 60);
}

char *
tusk_iso_duration_fmt(double secs, char *buf, size_t len)
{
	snprintf(buf, len, "PT%.6gS", secs);
	return buf;
}

char *
tusk_iso_time_fmt(double epoch, char *buf, size_t len)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ",
		 (int)((epoch - (double)t) * 1000) % 1000);
	return buf;
}
