/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "stats.h"

static const char *const drop_names[TUSK_DROP_MAX] = {
#define TUSK_DROP_NAME(sym, name) [TUSK_DROP_##sym] = name,
	TUSK_DROP_REASONS(TUSK_DROP_NAME)
#undef TUSK_DROP_NAME
};

const char *
tusk_stats_drop_name(enum tusk_drop reason)
{
	return (unsigned int)reason < TUSK_DROP_MAX ? drop_names[reason] : NULL;
}
