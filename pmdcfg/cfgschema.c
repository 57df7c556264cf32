/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfgschema: parse and check values against a key table (cfgschema.h).
 *
 *   tusk_cfgschema_apply() -> tusk_cfgschema_set() -> set_<type>()
 *                          -> check_required()
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cfgschema.h"

/* Room for "<file>:<line>" in messages; longer file names are cut. */
#define WHERE_MAX 256
/* Room for "emerg, alert, ..." in messages. */
#define CHOICES_TEXT_MAX 256
/* A flags value splits on these. */
#define FLAG_SEPARATORS ", \t"

char *
tusk_cfgschema_where(const struct tusk_cfgschema_src *src, char *buf,
		     size_t len)
{
	if (src == NULL || src->file == NULL)
		snprintf(buf, len, "%s", TUSK_CFGSCHEMA_CMDLINE);
	else
		snprintf(buf, len, "%s:%u", src->file, src->line);
	return buf;
}

static int
fail(char *err, size_t errlen, const struct tusk_cfgschema_src *src,
     const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
fail(char *err, size_t errlen, const struct tusk_cfgschema_src *src,
     const char *key, const char *fmt, ...)
{
	char where[WHERE_MAX];
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: %s: ",
		     tusk_cfgschema_where(src, where, sizeof(where)), key);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *
choices_text(const char *const *choices, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; *choices != NULL && used < len; choices++) {
		int n = snprintf(buf + used, len - used, "%s%s",
				 used ? ", " : "", *choices);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

static int
choice_index(const char *const *choices, const char *s, size_t n)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strlen(choices[i]) == n && strncmp(choices[i], s, n) == 0)
			return i;
	return -1;
}

static int
set_uint(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	 const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	unsigned long long x;
	char *end;

	if (*v < '0' || *v > '9')
		return fail(err, errlen, src, k->name,
			    "value \"%s\" is not a number", v);
	errno = 0;
	x = strtoull(v, &end, 10);
	if (*end != '\0')
		return fail(err, errlen, src, k->name,
			    "value \"%s\" is not a number", v);
	if (errno == ERANGE || x < k->min || x > k->max)
		return fail(err, errlen, src, k->name,
			    "value %s out of range [%u, %u]", v, k->min,
			    k->max);
	*(uint32_t *)dst = (uint32_t)x;
	return 0;
}

static int
set_bool(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	 const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };

	if (choice_index(yes, v, strlen(v)) >= 0)
		*(bool *)dst = true;
	else if (choice_index(no, v, strlen(v)) >= 0)
		*(bool *)dst = false;
	else
		return fail(err, errlen, src, k->name,
			    "value \"%s\" is not a boolean (true/false)", v);
	return 0;
}

static int
set_string(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	   const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	bool may_be_empty = k->def != NULL && k->def[0] == '\0';

	if (*v == '\0' && !may_be_empty)
		return fail(err, errlen, src, k->name, "empty value");
	if (strlen(v) >= k->size)
		return fail(err, errlen, src, k->name,
			    "value longer than %zu bytes", k->size - 1);
	strcpy(dst, v);
	return 0;
}

/* Relative paths are relative to the file that names them, so a config
 * tree can be moved as a whole; from the command line, to the cwd. */
static int
set_path(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	 const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	const char *slash = NULL;
	size_t dirlen = 0;

	if (*v == '\0')
		return fail(err, errlen, src, k->name, "empty path");
	if (*v != '/' && src != NULL && src->file != NULL)
		slash = strrchr(src->file, '/');
	if (slash != NULL)
		dirlen = (size_t)(slash - src->file) + 1;
	if (dirlen + strlen(v) >= k->size)
		return fail(err, errlen, src, k->name,
			    "path longer than %zu bytes", k->size - 1);
	memcpy(dst, src != NULL && src->file != NULL ? src->file : "",
	       dirlen);
	strcpy((char *)dst + dirlen, v);
	return 0;
}

static int
set_enum(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	 const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	char list[CHOICES_TEXT_MAX];
	int i = choice_index(k->choices, v, strlen(v));

	if (i < 0)
		return fail(err, errlen, src, k->name,
			    "unknown value \"%s\" (expected one of: %s)", v,
			    choices_text(k->choices, list, sizeof(list)));
	*(uint32_t *)dst = k->min + (uint32_t)i;
	return 0;
}

static int
set_flags(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	  const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	char list[CHOICES_TEXT_MAX];
	uint32_t bits = 0;
	const char *s = v;

	if (strcmp(v, "none") == 0 || *v == '\0') {
		*(uint32_t *)dst = 0;
		return 0;
	}
	while (*(s += strspn(s, FLAG_SEPARATORS)) != '\0') {
		size_t n = strcspn(s, FLAG_SEPARATORS);
		int i = choice_index(k->choices, s, n);

		if (i < 0 || i >= TUSK_CFGSCHEMA_FLAGS_MAX)
			return fail(err, errlen, src, k->name,
				    "unknown flag \"%.*s\" (expected: %s)",
				    (int)n, s, choices_text(k->choices, list,
							   sizeof(list)));
		bits |= 1u << i;
		s += n;
	}
	*(uint32_t *)dst = bits;
	return 0;
}

static int
parse_ipv4(const char *s, size_t n, rte_be32_t *out)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* inet_pton takes only the dotted quad (no "10.1" shorthands, no
	 * octal), which is what an operator means. */
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

static int
set_ipv4_prefix(const struct tusk_cfgschema_key *k, const char *v,
		void *dst, const struct tusk_cfgschema_src *src, char *err,
		size_t errlen)
{
	struct tusk_cfg_ipv4_prefix *p = dst;
	const char *slash = strchr(v, '/');
	unsigned long len;
	rte_be32_t addr;
	char *end;

	if (slash == NULL || parse_ipv4(v, (size_t)(slash - v), &addr) < 0 ||
	    slash[1] < '0' || slash[1] > '9')
		goto bad;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > 32)
		goto bad;
	p->addr = addr;
	p->len = (uint8_t)len;
	return 0;
bad:
	return fail(err, errlen, src, k->name, "bad IPv4 prefix \"%s\"", v);
}

static int
set_ipv4_addr(const struct tusk_cfgschema_key *k, const char *v, void *dst,
	      const struct tusk_cfgschema_src *src, char *err, size_t errlen)
{
	if (parse_ipv4(v, strlen(v), dst) < 0)
		return fail(err, errlen, src, k->name,
			    "bad IPv4 address \"%s\"", v);
	return 0;
}

typedef int (*set_fn)(const struct tusk_cfgschema_key *k, const char *v,
		      void *dst, const struct tusk_cfgschema_src *src,
		      char *err, size_t errlen);

static const set_fn setters[] = {
	[TUSK_CFG_UINT] = set_uint,
	[TUSK_CFG_BOOL] = set_bool,
	[TUSK_CFG_STRING] = set_string,
	[TUSK_CFG_ENUM] = set_enum,
	[TUSK_CFG_FLAGS] = set_flags,
	[TUSK_CFG_IPV4_PREFIX] = set_ipv4_prefix,
	[TUSK_CFG_IPV4_ADDR] = set_ipv4_addr,
	[TUSK_CFG_PATH] = set_path,
};

int
tusk_cfgschema_set(const struct tusk_cfgschema_key *key, const char *value,
		   void *dst, const struct tusk_cfgschema_src *src,
		   char *err, size_t errlen)
{
	if ((size_t)key->type >= RTE_DIM(setters) ||
	    setters[key->type] == NULL)
		return fail(err, errlen, src, key->name, "bad schema type");
	return setters[key->type](key, value, (char *)dst + key->offset, src,
				  err, errlen);
}

const struct tusk_cfgschema_key *
tusk_cfgschema_key(const struct tusk_cfgschema_key *keys, size_t nkeys,
		   const char *name)
{
	size_t i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int
tusk_cfgschema_defaults(const struct tusk_cfgschema_key *keys, size_t nkeys,
			void *dst, char *err, size_t errlen)
{
	const struct tusk_cfgschema_src src = { .file = "<default>" };
	size_t i;
	int rc;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].def == NULL)
			continue;
		rc = tusk_cfgschema_set(&keys[i], keys[i].def, dst, &src, err,
					errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
tusk_cfgschema_apply(const struct tusk_cfgschema_key *keys, size_t nkeys,
		     const char *file, const struct tusk_cfgfile_section *s,
		     void *dst, char *err, size_t errlen)
{
	struct tusk_cfgschema_src src = { .file = file };
	const struct tusk_cfgschema_key *k;
	unsigned int i;
	int rc;

	for (i = 0; i < s->nentries; i++) {
		src.line = s->entries[i].line;
		k = tusk_cfgschema_key(keys, nkeys, s->entries[i].key);
		if (k == NULL)
			return fail(err, errlen, &src, s->entries[i].key,
				    "unknown key");
		rc = tusk_cfgschema_set(k, s->entries[i].value, dst, &src,
					err, errlen);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < nkeys; i++) {
		if (!keys[i].required ||
		    tusk_cfgfile_entry(s, keys[i].name) != NULL)
			continue;
		snprintf(err, errlen, "%s:%u: missing required key \"%s\" in [%s%s%s]",
			 file, s->line, keys[i].name, s->type,
			 s->name[0] ? " " : "", s->name);
		return -EINVAL;
	}
	return 0;
}

static json_t *
flags_to_json(const char *const *choices, uint32_t bits)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && choices[i] != NULL; i++)
		if ((bits & (1u << i)) &&
		    json_array_append_new(a, json_string(choices[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
prefix_to_json(const struct tusk_cfg_ipv4_prefix *p)
{
	char addr[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = p->addr };

	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	return json_sprintf("%s/%u", addr, p->len);
}

static json_t *
value_to_json(const struct tusk_cfgschema_key *k, const void *v)
{
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;
	uint32_t u;

	switch (k->type) {
	case TUSK_CFG_UINT:
		return json_integer(*(const uint32_t *)v);
	case TUSK_CFG_BOOL:
		return json_boolean(*(const bool *)v);
	case TUSK_CFG_ENUM:
		u = *(const uint32_t *)v - k->min;
		for (uint32_t i = 0; i <= u; i++)
			if (k->choices[i] == NULL)
				return json_null(); /* never set */
		return json_string(k->choices[u]);
	case TUSK_CFG_FLAGS:
		return flags_to_json(k->choices, *(const uint32_t *)v);
	case TUSK_CFG_IPV4_PREFIX:
		return prefix_to_json(v);
	case TUSK_CFG_IPV4_ADDR:
		a.s_addr = *(const rte_be32_t *)v;
		if (a.s_addr == 0)
			return json_null();
		return json_string(inet_ntop(AF_INET, &a, addr, sizeof(addr)));
	case TUSK_CFG_STRING:
	case TUSK_CFG_PATH:
		return json_string(v);
	}
	return NULL;
}

json_t *
tusk_cfgschema_to_json(const struct tusk_cfgschema_key *keys, size_t nkeys,
		       const void *src)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < nkeys; i++) {
		json_t *v = value_to_json(&keys[i],
					  (const char *)src + keys[i].offset);

		if (v == NULL || json_object_set_new(o, keys[i].name, v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
