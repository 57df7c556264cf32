/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_iso: the ISO 8601 forms pScheduler's tasks use: durations as its
 * validator takes them (python-pscheduler jsonval.py:
 * ^P(nW)?(nD)?(T(nH)?(nM)?(nS)?)?$, no years or months, seconds may be
 * fractional) and UTC timestamps (2026-12-07T00:30:00Z, or an offset
 * +HH:MM; fractions of a second allowed).
 */
#ifndef TUSK_CTRL_PSTASK_ISO_H
#define TUSK_CTRL_PSTASK_ISO_H

#include <stddef.h>

/* Seconds, or -1 when s is not such a duration. */
double tusk_iso_duration(const char *s);
/* Seconds since the epoch, or -1. */
double tusk_iso_time(const char *s);
/* "PT1.5S" into buf. */
char *tusk_iso_duration_fmt(double secs, char *buf, size_t len);
/* "2026-12-07T00:30:00.250Z" into buf. */
char *tusk_iso_time_fmt(double epoch, char *buf, size_t len);

#endif
