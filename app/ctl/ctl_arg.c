/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading a request's arguments (see ctl_arg.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_arg.h"
#include "ctl_proto.h"

int
tusk_ctl_arg_check(json_t *req, const char *cmd, const char *const *allowed,
		   char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(req, key, v) {
		unsigned int i;
		bool ok = strcmp(key, TUSK_CTL_KEY_CMD) == 0;

		for (i = 0; !ok && allowed[i] != NULL; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			snprintf(err, errlen, "%s: unknown argument \"%.64s\"",
				 cmd, key);
			return -1;
		}
	}
	return 0;
}

int64_t
tusk_ctl_arg_uint(json_t *args, const char *key, int64_t def, int64_t max,
		  char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_string_value(v);
	long long n = -1;
	char *end = NULL;

	if (v == NULL)
		return def;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (s != NULL && *s >= '0' && *s <= '9')
		n = strtoll(s, &end, 10);
	if (n < 0 || n > max || (end != NULL && *end != '\0')) {
		snprintf(err, errlen, "\"%s\" must be an integer in [0, %"
			 PRId64 "]", key, max);
		return -1;
	}
	return n;
}

int
tusk_ctl_arg_number(json_t *args, const char *key, double max, double *out,
		    char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_string_value(v);
	double x = NAN;
	char *end = NULL;

	if (v == NULL)
		return 0;
	if (json_is_number(v))
		x = json_number_value(v);
	else if (s != NULL && s[0] != '\0')
		x = strtod(s, &end);
	if ((!json_is_number(v) && (end == NULL || *end != '\0')) ||
	    !isfinite(x) || x < 0 || x > max) {
		snprintf(err, errlen, "\"%s\" must be a number in [0, %g]", key,
			 max);
		return -1;
	}
	*out = x;
	return 1;
}

int
tusk_ctl_arg_string(json_t *args, const char *key, bool required, char *out,
		    size_t len, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);
	const char *s = json_string_value(v);

	out[0] = '\0';
	if (v == NULL && !required)
		return 0;
	if (s == NULL || (required && s[0] == '\0')) {
		snprintf(err, errlen, "\"%s\" (a string) is required", key);
		return -1;
	}
	if (strlen(s) >= len) {
		snprintf(err, errlen, "\"%s\" is longer than %zu bytes", key,
			 len - 1);
		return -1;
	}
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int
tusk_ctl_arg_bool(json_t *args, const char *key, bool *out, char *err,
		  size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	json_t *v = json_object_get(args, key);
	const char *s = json_string_value(v);
	unsigned int i;

	*out = false;
	if (v == NULL)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	for (i = 0; s != NULL && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	snprintf(err, errlen, "\"%s\" must be true or false", key);
	return -1;
}
