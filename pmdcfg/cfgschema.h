/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfgschema: table-driven validation of cfgfile sections.
 *
 * Each section type has a table of keys (struct tusk_cfgschema_key). A key
 * says its type, range or choices, whether it is required, its default (as
 * text, parsed by the same code as a file value), where it is stored in the
 * caller's struct (offsetof), and a one-line description that the README
 * tables repeat.
 *
 * Every error is one line:
 *   <file>:<line>: <key>: <reason>       e.g.
 *   tuskd.conf:12: rx_desc: value 70000 out of range [64, 32768]
 *   af_packet.conf:4: mtu_bytes: unknown key
 *   tuskd.conf:3: missing required key "address" in [port data0]
 * and values set from the command line name "<command line>" instead of
 * "<file>:<line>". Functions return 0 or -EINVAL (bad value) and fill err.
 */
#ifndef TUSK_CFGSCHEMA_H
#define TUSK_CFGSCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_byteorder.h>

#include "cfgfile.h"

/* What "where" prints for values that did not come from a file. */
#define TUSK_CFGSCHEMA_CMDLINE "<command line>"

/* Longest list of choices for an enum or flags key (flags are bits of a
 * uint32_t). */
#define TUSK_CFGSCHEMA_FLAGS_MAX 32

enum tusk_cfgschema_type {
	TUSK_CFG_UINT,        /* uint32_t in [min, max] */
	TUSK_CFG_BOOL,        /* bool: true/false, yes/no, on/off, 1/0 */
	TUSK_CFG_STRING,      /* char[size], non-empty unless default "" */
	TUSK_CFG_ENUM,        /* uint32_t: min + index of the choice */
	TUSK_CFG_FLAGS,       /* uint32_t: bit i set for choices[i]; list
			       * separated by ',' or blanks; "none" = 0 */
	TUSK_CFG_IPV4_PREFIX, /* struct tusk_cfg_ipv4_prefix, "a.b.c.d/len" */
	TUSK_CFG_IPV4_ADDR,   /* rte_be32_t, "a.b.c.d" */
	TUSK_CFG_PATH,        /* char[size]; relative paths are taken from
			       * the directory of the file naming them */
};

struct tusk_cfg_ipv4_prefix {
	rte_be32_t addr; /* network byte order; host bits kept (an interface
			  * address, not a route) */
	uint8_t len;     /* 0..32 */
};

struct tusk_cfgschema_key {
	const char *name;
	enum tusk_cfgschema_type type;
	bool required;
	const char *def;              /* default as text; NULL: none (field
				       * left as the caller zeroed it) */
	uint32_t min, max;            /* UINT range; ENUM base in min */
	const char *const *choices;   /* ENUM, FLAGS: NULL-terminated */
	size_t offset;                /* offsetof() in the destination */
	size_t size;                  /* STRING, PATH: buffer size */
	const char *desc;             /* one line, for README and --help */
};

/* Where a value came from, for error messages. file NULL: command line. */
struct tusk_cfgschema_src {
	const char *file;
	unsigned int line;
};

/* Write every key's default into dst. Returns 0, or -EINVAL if a default
 * does not parse (a bug in the table; err says which). */
int tusk_cfgschema_defaults(const struct tusk_cfgschema_key *keys,
			    size_t nkeys, void *dst, char *err, size_t errlen);

/* The key named `name` in the table, or NULL. */
const struct tusk_cfgschema_key *
tusk_cfgschema_key(const struct tusk_cfgschema_key *keys, size_t nkeys,
		   const char *name);

/* Parse `value` as `key` and store it in dst; errors name src. */
int tusk_cfgschema_set(const struct tusk_cfgschema_key *key,
		       const char *value, void *dst,
		       const struct tusk_cfgschema_src *src,
		       char *err, size_t errlen);

/*
 * Apply every entry of section s to dst: unknown keys, bad values and
 * missing required keys are errors. Does not write defaults first (call
 * tusk_cfgschema_defaults). file is the cfgfile's path, for messages.
 */
int tusk_cfgschema_apply(const struct tusk_cfgschema_key *keys, size_t nkeys,
			 const char *file,
			 const struct tusk_cfgfile_section *s, void *dst,
			 char *err, size_t errlen);

/* Format "<file>:<line>" or "<command line>" into buf; returns buf. */
char *tusk_cfgschema_where(const struct tusk_cfgschema_src *src,
			   char *buf, size_t len);

/* A JSON object {key: value} of every key in dst, values typed (numbers,
 * booleans, strings, arrays of flag names, "a.b.c.d/len"). New reference,
 * or NULL on allocation failure. */
json_t *tusk_cfgschema_to_json(const struct tusk_cfgschema_key *keys,
			       size_t nkeys, const void *src);

#endif /* TUSK_CFGSCHEMA_H */
