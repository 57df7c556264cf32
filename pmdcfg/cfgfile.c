/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfgfile: INI-style reader (syntax only; meaning is in cfgschema.c).
 *
 *   tusk_cfgfile_load() -> read_all() -> tusk_cfgfile_parse()
 *     -> parse_line() -> parse_header() | parse_entry()
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"

/* A configuration file is a few hundred lines; anything past this is not
 * one (a mistaken path to a log or an image), so refuse it early. */
#define CFGFILE_SIZE_MAX (1u << 20)

struct parser {
	struct tusk_cfgfile *f;
	const char *name;
	unsigned int line;
	struct tusk_cfgfile_section *cur; /* NULL before the first header */
	char *err;
	size_t errlen;
};

static int
fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

char *
tusk_cfgfile_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Keys and section words: letters, digits, '_', '-', '.'. */
static int
is_ident(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	return 1;
}

static int
parse_header(struct parser *p, char *s)
{
	struct tusk_cfgfile_section *sec, *grown;
	char *type, *name, *rest;
	size_t len = strlen(s);

	if (s[len - 1] != ']')
		return fail(p, "malformed section header: missing ']'");
	s[len - 1] = '\0';
	type = tusk_cfgfile_trim(s + 1);
	name = type + strcspn(type, " \t");
	if (*name != '\0') {
		*name++ = '\0';
		name = tusk_cfgfile_trim(name);
	}
	rest = name + strcspn(name, " \t");
	if (!is_ident(type) || (*name != '\0' && !is_ident(name)) ||
	    *rest != '\0')
		return fail(p, "malformed section header: expected [type] or [type name]");
	if (strlen(type) >= TUSK_CFGFILE_NAME_MAX ||
	    strlen(name) >= TUSK_CFGFILE_NAME_MAX)
		return fail(p, "section type or name longer than %d bytes",
			    TUSK_CFGFILE_NAME_MAX - 1);
	sec = (struct tusk_cfgfile_section *)
		tusk_cfgfile_section(p->f, type, name);
	if (sec != NULL)
		return fail(p, "duplicate section [%s%s%s] (first on line %u)",
			    type, *name ? " " : "", name, sec->line);
	grown = realloc(p->f->sections,
			(p->f->nsections + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	p->f->sections = grown;
	sec = &grown[p->f->nsections++];
	memset(sec, 0, sizeof(*sec));
	strcpy(sec->type, type);
	strcpy(sec->name, name);
	sec->line = p->line;
	p->cur = sec;
	return 0;
}

static int
parse_entry(struct parser *p, char *s)
{
	struct tusk_cfgfile_entry *e, *grown;
	const struct tusk_cfgfile_entry *dup;
	char *eq = strchr(s, '=');
	char *key, *value;

	if (eq == NULL)
		return fail(p, "malformed line: expected \"key = value\", \"[section]\" or \"# comment\"");
	*eq = '\0';
	key = tusk_cfgfile_trim(s);
	value = tusk_cfgfile_trim(eq + 1);
	if (!is_ident(key))
		return fail(p, "malformed line: bad key \"%s\"", key);
	if (strlen(key) >= TUSK_CFGFILE_NAME_MAX)
		return fail(p, "malformed line: key longer than %d bytes",
			    TUSK_CFGFILE_NAME_MAX - 1);
	if (p->cur == NULL)
		return fail(p, "%s: key outside a section", key);
	if (strlen(value) >= TUSK_CFGFILE_VALUE_MAX)
		return fail(p, "%s: value longer than %d bytes", key,
			    TUSK_CFGFILE_VALUE_MAX - 1);
	dup = tusk_cfgfile_entry(p->cur, key);
	if (dup != NULL)
		return fail(p, "%s: duplicate key (first on line %u)", key,
			    dup->line);
	grown = realloc(p->cur->entries,
			(p->cur->nentries + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	p->cur->entries = grown;
	e = &grown[p->cur->nentries++];
	strcpy(e->key, key);
	strcpy(e->value, value);
	e->line = p->line;
	return 0;
}

/* Strip a comment: '#' at the start or after a blank ("iface=a#b" keeps
 * its '#', since vdev arguments may contain one). */
static void
strip_comment(char *s)
{
	char *c;

	for (c = s; *c != '\0'; c++) {
		if (*c == '#' && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
	}
}

static int
parse_line(struct parser *p, char *raw)
{
	char *s;

	strip_comment(raw);
	s = tusk_cfgfile_trim(raw);
	if (*s == '\0')
		return 0;
	if (*s == '[')
		return parse_header(p, s);
	return parse_entry(p, s);
}

int
tusk_cfgfile_parse(const char *name, const char *text,
		   struct tusk_cfgfile **out, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	char buf[TUSK_CFGFILE_LINE_MAX];
	const char *pos = text;
	int rc = 0;

	*out = NULL;
	p.f = calloc(1, sizeof(*p.f));
	if (p.f == NULL || (p.f->path = strdup(name)) == NULL) {
		free(p.f);
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	while (*pos != '\0' && rc == 0) {
		size_t len = strcspn(pos, "\n");

		p.line++;
		if (len >= sizeof(buf)) {
			rc = fail(&p, "line longer than %zu bytes",
				  sizeof(buf) - 1);
			break;
		}
		memcpy(buf, pos, len);
		buf[len] = '\0';
		rc = parse_line(&p, buf);
		pos += len + (pos[len] == '\n');
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	if (rc < 0) {
		tusk_cfgfile_free(p.f);
		return rc;
	}
	*out = p.f;
	return 0;
}

/* Read a whole file into a NUL-terminated buffer; NUL bytes inside are
 * refused (a text file has none). */
static int
read_all(const char *path, char **text, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	size_t n;
	char *buf;
	int rc;

	/* An unreadable file is a configuration error like any other:
	 * -EINVAL, so mains need one check (exit status 2). */
	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -EINVAL;
	}
	buf = malloc(CFGFILE_SIZE_MAX + 1);
	if (buf == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	errno = 0;
	n = fread(buf, 1, CFGFILE_SIZE_MAX + 1, fp);
	/* fread sets errno (EISDIR for a directory); keep it for the text */
	rc = ferror(fp) ? (errno != 0 ? -errno : -EIO) : 0;
	fclose(fp);
	if (rc == 0 && n > CFGFILE_SIZE_MAX)
		rc = -EFBIG;
	if (rc == 0 && memchr(buf, '\0', n) != NULL)
		rc = -EINVAL;
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 rc == -EFBIG ? "larger than 1 MiB" :
			 rc == -EINVAL ? "not a text file (NUL byte)" :
			 strerror(-rc));
		free(buf);
		return -EINVAL;
	}
	buf[n] = '\0';
	*text = buf;
	return 0;
}

int
tusk_cfgfile_load(const char *path, struct tusk_cfgfile **out,
		  char *err, size_t errlen)
{
	char *text = NULL;
	int rc;

	*out = NULL;
	rc = read_all(path, &text, err, errlen);
	if (rc < 0)
		return rc;
	rc = tusk_cfgfile_parse(path, text, out, err, errlen);
	free(text);
	return rc;
}

void
tusk_cfgfile_free(struct tusk_cfgfile *f)
{
	unsigned int i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nsections; i++)
		free(f->sections[i].entries);
	free(f->sections);
	free(f->path);
	free(f);
}

const struct tusk_cfgfile_section *
tusk_cfgfile_section(const struct tusk_cfgfile *f, const char *type,
		     const char *name)
{
	unsigned int i;

	if (name == NULL)
		name = "";
	for (i = 0; i < f->nsections; i++)
		if (strcmp(f->sections[i].type, type) == 0 &&
		    strcmp(f->sections[i].name, name) == 0)
			return &f->sections[i];
	return NULL;
}

const struct tusk_cfgfile_entry *
tusk_cfgfile_entry(const struct tusk_cfgfile_section *s, const char *key)
{
	unsigned int i;

	for (i = 0; i < s->nentries; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}
