/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfgfile: the one INI-style reader behind tuskd.conf and the PMD profiles.
 *
 *   # comment                 (also after whitespace; '#' inside a value is
 *                              part of the value only when not preceded by
 *                              whitespace, e.g. "iface=a#b")
 *   [section]                 unnamed section, e.g. [eal], [tuskd], [profile]
 *   [section name]            named section, e.g. [port data0]
 *   key = value               value trimmed; may be empty
 *
 * The reader only checks the syntax (malformed lines, keys outside a
 * section, duplicate keys inside one section, duplicate sections) and
 * records the file and line of every section and key. What a key means and
 * which sections exist is the schema's business (cfgschema.h).
 *
 * Errors are one line, "<file>:<line>: <key>: <reason>" (see cfgschema.h),
 * written into a caller's buffer; functions return 0 or -errno, never abort.
 */
#ifndef TUSK_CFGFILE_H
#define TUSK_CFGFILE_H

#include <stddef.h>

/* Section types, section names and keys are short identifiers. */
#define TUSK_CFGFILE_NAME_MAX 64
/* Longest value: room for a long vdev devargs string or EAL argument list. */
#define TUSK_CFGFILE_VALUE_MAX 1024
/* Longest physical line accepted (a key, '=', a value and some spacing). */
#define TUSK_CFGFILE_LINE_MAX 2048
/* A buffer of this size always holds a whole error line. */
#define TUSK_CFG_ERR_MAX 512

struct tusk_cfgfile_entry {
	char key[TUSK_CFGFILE_NAME_MAX];
	char value[TUSK_CFGFILE_VALUE_MAX];
	unsigned int line;
};

struct tusk_cfgfile_section {
	char type[TUSK_CFGFILE_NAME_MAX]; /* "port" in [port data0] */
	char name[TUSK_CFGFILE_NAME_MAX]; /* "data0", or "" when unnamed */
	unsigned int line;                /* line of the [header] */
	unsigned int nentries;
	struct tusk_cfgfile_entry *entries;
};

struct tusk_cfgfile {
	char *path;                       /* as given to tusk_cfgfile_load */
	unsigned int nsections;
	struct tusk_cfgfile_section *sections;
};

/*
 * Read and syntax-check a file. On success *out is a new object (free it
 * with tusk_cfgfile_free). On failure returns -EINVAL, with err holding
 * "<file>:<line>: ..." (syntax) or "<file>: cannot open: <strerror>"
 * (unreadable, not text, or over 1 MiB), or -ENOMEM.
 */
/* Strip blanks at both ends of s in place; returns the first non-blank. */
char *tusk_cfgfile_trim(char *s);

int tusk_cfgfile_load(const char *path, struct tusk_cfgfile **out,
		      char *err, size_t errlen);

/* Same, from a string in memory; `name` stands in for the file name. */
int tusk_cfgfile_parse(const char *name, const char *text,
		       struct tusk_cfgfile **out, char *err, size_t errlen);

void tusk_cfgfile_free(struct tusk_cfgfile *f);

/* The section [type name] (name "" or NULL for unnamed), or NULL. */
const struct tusk_cfgfile_section *
tusk_cfgfile_section(const struct tusk_cfgfile *f, const char *type,
		     const char *name);

/* The entry for key in section s, or NULL. */
const struct tusk_cfgfile_entry *
tusk_cfgfile_entry(const struct tusk_cfgfile_section *s, const char *key);

#endif /* TUSK_CFGFILE_H */
