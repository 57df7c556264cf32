/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading a request's arguments. Every helper accepts the JSON type and
 * the string tuskctl sends for key=value, and on a bad value writes a
 * half-line reason naming the key into err.
 */
#ifndef TUSK_CTL_ARG_H
#define TUSK_CTL_ARG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Every key of the request but "cmd" is one of `allowed` (NULL-terminated);
 * else -1 and "CMD: unknown argument \"KEY\"". */
int tusk_ctl_arg_check(json_t *req, const char *cmd,
		       const char *const *allowed, char *err, size_t errlen);

/* An integer in [0, max]: a JSON integer or a string of digits. `def` when
 * absent; -1 when malformed (err set). */
int64_t tusk_ctl_arg_uint(json_t *args, const char *key, int64_t def,
			  int64_t max, char *err, size_t errlen);

/* A number in [0, max]: a JSON number or a numeric string. 0 absent (*out
 * untouched), 1 present, -1 malformed (err set). */
int tusk_ctl_arg_number(json_t *args, const char *key, double max,
			double *out, char *err, size_t errlen);

/* A string copied into out[len]: "" when absent and not required; -1 when
 * required and absent or empty, not a string, or too long (err set). */
int tusk_ctl_arg_string(json_t *args, const char *key, bool required,
			char *out, size_t len, char *err, size_t errlen);

/* true/false, or what tuskctl sends for them ("1", "true", "yes", "on" and
 * their opposites). *out false when absent; -1 when malformed. */
int tusk_ctl_arg_bool(json_t *args, const char *key, bool *out, char *err,
		      size_t errlen);

#endif /* TUSK_CTL_ARG_H */
