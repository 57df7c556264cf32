/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebDAV PROPFIND bodies with libxml2 (see http_dav.h).
 *
 *   tusk_dav_query_parse() -> xmlReadMemory() -> query_of() -> prop_of()
 *   tusk_dav_writer_new() -> <D:multistatus>
 *   tusk_dav_writer_add() -> <D:response> href, propstat 200 (what the
 *                            resource has), propstat 404 (what it lacks)
 *   tusk_dav_writer_finish() -> the document in memory
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/chvalid.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "http_dav.h"
#include "http_msg.h"

#define DAV_NS "DAV:"

static const char *const prop_names[TUSK_DAV_PROP_MAX] = {
	[TUSK_DAV_RESOURCETYPE] = "resourcetype",
	[TUSK_DAV_GETCONTENTLENGTH] = "getcontentlength",
	[TUSK_DAV_GETLASTMODIFIED] = "getlastmodified",
	[TUSK_DAV_GETETAG] = "getetag",
	[TUSK_DAV_GETCONTENTTYPE] = "getcontenttype",
	[TUSK_DAV_DISPLAYNAME] = "displayname",
	[TUSK_DAV_CHECKSUMS] = "Checksums",
};

void
tusk_dav_init(void)
{
	xmlInitParser();
}

/* ---- the request's query ---- */

static bool
node_is(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       xmlStrEqual(n->ns->href, BAD_CAST ns) &&
	       xmlStrEqual(n->name, BAD_CAST name);
}

static const xmlNode *
first_element(const xmlNode *n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/* One child of <D:prop>: a property of ours, or a foreign one. */
static int
prop_of(const xmlNode *n, struct tusk_dav_query *q)
{
	struct tusk_dav_foreign *f;
	const char *ns = n->ns != NULL ? (const char *)n->ns->href : "";
	size_t nl = strlen((const char *)n->name), sl = strlen(ns);

	for (unsigned int p = 0; p < TUSK_DAV_PROP_MAX; p++) {
		const char *want_ns = p == TUSK_DAV_CHECKSUMS ?
				      TUSK_DAV_DCACHE_NS : DAV_NS;

		if (node_is(n, want_ns, prop_names[p])) {
			q->want |= 1u << p;
			return 0;
		}
	}
	if (q->n_foreign >= TUSK_DAV_FOREIGN_MAX || nl >= TUSK_DAV_NAME_MAX ||
	    sl >= TUSK_DAV_NS_MAX)
		return -E2BIG;
	f = &q->foreign[q->n_foreign++];
	memcpy(f->name, n->name, nl + 1);
	memcpy(f->ns, ns, sl + 1);
	return 0;
}

/* propfind = (propname | (allprop, include?) | prop) (RFC 4918 14.20) */
static int
query_of(const xmlNode *root, struct tusk_dav_query *q)
{
	const xmlNode *c = first_element(root->children);

	if (!node_is(root, DAV_NS, "propfind") || c == NULL)
		return -EINVAL;
	if (node_is(c, DAV_NS, "allprop")) {
		q->kind = TUSK_DAV_ALLPROP; /* <include> adds nothing: all is
					     * already everything we have */
		return 0;
	}
	if (node_is(c, DAV_NS, "propname")) {
		q->kind = TUSK_DAV_PROPNAME;
		return 0;
	}
	if (!node_is(c, DAV_NS, "prop"))
		return -EINVAL;
	q->kind = TUSK_DAV_PROP;
	for (c = first_element(c->children); c != NULL;
	     c = first_element(c->next)) {
		int rc = prop_of(c, q);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int
tusk_dav_query_parse(const char *body, size_t len, struct tusk_dav_query *q)
{
	xmlDocPtr doc;
	int rc;

	memset(q, 0, sizeof(*q));
	if (len == 0)
		return 0; /* no body: allprop (RFC 4918 9.1) */
	if (len > TUSK_DAV_BODY_MAX)
		return -E2BIG;
	/* no network, no DTD loading, no entity substitution; quiet */
	doc = xmlReadMemory(body, (int)len, "propfind.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (doc == NULL)
		return -EINVAL;
	if (doc->intSubset != NULL || doc->extSubset != NULL)
		rc = -EINVAL;
	else
		rc = query_of(xmlDocGetRootElement(doc), q);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- hrefs ---- */

static bool
unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
	       ch == '_' || ch == '~';
}

int
tusk_dav_href(const char *path, bool collection, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (outlen < 2)
		return -ENOSPC;
	out[o++] = '/';
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (o + 4 > outlen)
			return -ENOSPC;
		if (unreserved(*p) || *p == '/') {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 0xf];
	}
	if (collection && path[0] != '\0') {
		if (o + 2 > outlen)
			return -ENOSPC;
		out[o++] = '/';
	}
	out[o] = '\0';
	return (int)o;
}

/* ---- the multistatus document ---- */

struct tusk_dav_writer {
	xmlBufferPtr buf;
	xmlTextWriterPtr tw;
	struct tusk_dav_query q;
};

/* <D:name>text</D:name>, or <D:name/> when text is NULL. */
static int
elem(xmlTextWriterPtr tw, const char *prefix, const char *name,
     const char *text)
{
	if (xmlTextWriterStartElementNS(tw, BAD_CAST prefix, BAD_CAST name,
					NULL) < 0)
		return -EIO;
	if (text != NULL && xmlTextWriterWriteString(tw, BAD_CAST text) < 0)
		return -EIO;
	return xmlTextWriterEndElement(tw) < 0 ? -EIO : 0;
}

static int
start(xmlTextWriterPtr tw, const char *name)
{
	return xmlTextWriterStartElementNS(tw, BAD_CAST "D", BAD_CAST name,
					   NULL) < 0 ? -EIO : 0;
}

static int
end(xmlTextWriterPtr tw)
{
	return xmlTextWriterEndElement(tw) < 0 ? -EIO : 0;
}

struct tusk_dav_writer *
tusk_dav_writer_new(const struct tusk_dav_query *q)
{
	struct tusk_dav_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->q = *q;
	w->buf = xmlBufferCreate();
	if (w->buf != NULL) {
		/* a listing grows to megabytes: double, not +10 bytes */
		xmlBufferSetAllocationScheme(w->buf,
					     XML_BUFFER_ALLOC_DOUBLEIT);
		w->tw = xmlNewTextWriterMemory(w->buf, 0);
	}
	if (w->tw == NULL ||
	    xmlTextWriterStartDocument(w->tw, NULL, "utf-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(w->tw, BAD_CAST "D",
					BAD_CAST "multistatus",
					BAD_CAST DAV_NS) < 0 ||
	    xmlTextWriterWriteAttribute(w->tw, BAD_CAST "xmlns:C",
					BAD_CAST TUSK_DAV_DCACHE_NS) < 0) {
		tusk_dav_writer_free(w);
		return NULL;
	}
	return w;
}

void
tusk_dav_writer_free(struct tusk_dav_writer *w)
{
	if (w == NULL)
		return;
	if (w->tw != NULL)
		xmlFreeTextWriter(w->tw);
	if (w->buf != NULL)
		xmlBufferFree(w->buf);
	free(w);
}

/* The last component, if XML can carry it as text: UTF-8 of XML Chars
 * only (a file name is bytes; "\x01" or Latin-1 cannot be text). */
static const char *
display_name(const char *path)
{
	const char *name = strrchr(path, '/');
	const xmlChar *p;
	int len;

	name = name != NULL ? name + 1 : path;
	if (name[0] == '\0')
		return NULL;
	for (p = BAD_CAST name; *p != '\0'; p += len) {
		int c;

		len = 4; /* at most; a NUL ends a short sequence as bad */
		c = xmlGetUTF8Char(p, &len);
		if (c < 0 || len <= 0 || !xmlIsChar(c))
			return NULL;
	}
	return name;
}

/* The properties a resource has (bits of enum tusk_dav_prop). */
static uint32_t
props_of(const struct tusk_dav_entry *e)
{
	uint32_t have = 1u << TUSK_DAV_RESOURCETYPE |
			1u << TUSK_DAV_GETLASTMODIFIED;

	if (!e->collection)
		have |= 1u << TUSK_DAV_GETCONTENTLENGTH |
			1u << TUSK_DAV_GETCONTENTTYPE;
	if (!e->collection && e->etag != NULL)
		have |= 1u << TUSK_DAV_GETETAG;
	if (!e->collection && e->sha256 != NULL)
		have |= 1u << TUSK_DAV_CHECKSUMS;
	if (display_name(e->path) != NULL)
		have |= 1u << TUSK_DAV_DISPLAYNAME;
	return have;
}

/* Property p of e, or only its name. */
static int
prop_value(xmlTextWriterPtr tw, enum tusk_dav_prop p,
	   const struct tusk_dav_entry *e, bool name_only)
{
	char text[TUSK_HTTP_DATE_LEN + TUSK_HTTP_DIGEST_STRLEN];
	const char *prefix = p == TUSK_DAV_CHECKSUMS ? "C" : "D";

	if (name_only)
		return elem(tw, prefix, prop_names[p], NULL);
	switch (p) {
	case TUSK_DAV_RESOURCETYPE:
		if (!e->collection)
			return elem(tw, "D", "resourcetype", NULL);
		if (start(tw, "resourcetype") < 0 ||
		    elem(tw, "D", "collection", NULL) < 0)
			return -EIO;
		return end(tw);
	case TUSK_DAV_GETCONTENTLENGTH:
		snprintf(text, sizeof(text), "%llu",
			 (unsigned long long)e->size);
		break;
	case TUSK_DAV_GETLASTMODIFIED:
		tusk_http_date_format(e->mtime, text);
		break;
	case TUSK_DAV_GETETAG:
		return elem(tw, "D", "getetag", e->etag);
	case TUSK_DAV_GETCONTENTTYPE:
		return elem(tw, "D", "getcontenttype",
			    "application/octet-stream");
	case TUSK_DAV_DISPLAYNAME:
		return elem(tw, "D", "displayname", display_name(e->path));
	case TUSK_DAV_CHECKSUMS:
		/* RFC 3230 Digest syntax: sha-256 in base64 (RFC 5843) */
		memcpy(text, "sha-256=", 8);
		tusk_http_base64_encode(e->sha256, TUSK_HTTP_SHA256_LEN,
					text + 8, sizeof(text) - 8);
		break;
	default:
		return -EIO;
	}
	return elem(tw, prefix, prop_names[p], text);
}

static int
status_line(xmlTextWriterPtr tw, int status)
{
	char line[64];

	snprintf(line, sizeof(line), "HTTP/1.1 %d %s", status,
		 tusk_http_reason(status));
	return elem(tw, "D", "status", line);
}

/* A propstat of our properties in `bits` (and the query's foreign ones
 * when `foreign`), with `status`. */
static int
propstat(struct tusk_dav_writer *w, const struct tusk_dav_entry *e,
	 uint32_t bits, bool foreign, int status)
{
	xmlTextWriterPtr tw = w->tw;
	bool names = w->q.kind == TUSK_DAV_PROPNAME || status != 200;

	if (start(tw, "propstat") < 0 || start(tw, "prop") < 0)
		return -EIO;
	for (unsigned int p = 0; p < TUSK_DAV_PROP_MAX; p++)
		if ((bits & 1u << p) &&
		    prop_value(tw, (enum tusk_dav_prop)p, e, names) < 0)
			return -EIO;
	for (unsigned int i = 0; foreign && i < w->q.n_foreign; i++) {
		const struct tusk_dav_foreign *f = &w->q.foreign[i];

		if (xmlTextWriterStartElementNS(tw, NULL, BAD_CAST f->name,
				f->ns[0] != '\0' ? BAD_CAST f->ns : NULL) < 0 ||
		    end(tw) < 0)
			return -EIO;
	}
	if (end(tw) < 0 || status_line(tw, status) < 0)
		return -EIO;
	return end(tw);
}

static int
href(xmlTextWriterPtr tw, const char *path, bool collection)
{
	char h[TUSK_DAV_HREF_MAX];

	if (tusk_dav_href(path, collection, h, sizeof(h)) < 0)
		return -ENOSPC;
	return elem(tw, "D", "href", h);
}

int
tusk_dav_writer_add(struct tusk_dav_writer *w, const struct tusk_dav_entry *e)
{
	uint32_t have = props_of(e), show = have, missing = 0;
	int rc;

	if (w->q.kind == TUSK_DAV_PROP) {
		show = w->q.want & have;
		missing = w->q.want & ~have;
	}
	if (start(w->tw, "response") < 0)
		return -EIO;
	rc = href(w->tw, e->path, e->collection);
	if (rc < 0)
		return rc;
	/* an empty <D:prop/> asked for nothing: an empty 200 propstat */
	if ((show != 0 || (missing == 0 && w->q.n_foreign == 0)) &&
	    propstat(w, e, show, false, 200) < 0)
		return -EIO;
	if (w->q.kind == TUSK_DAV_PROP &&
	    (missing != 0 || w->q.n_foreign > 0) &&
	    propstat(w, e, missing, true, 404) < 0)
		return -EIO;
	return end(w->tw);
}

int
tusk_dav_writer_add_status(struct tusk_dav_writer *w, const char *path,
			   bool collection, int status, const char *error)
{
	int rc;

	if (start(w->tw, "response") < 0)
		return -EIO;
	rc = href(w->tw, path, collection);
	if (rc < 0)
		return rc;
	if (status_line(w->tw, status) < 0)
		return -EIO;
	if (error != NULL && (start(w->tw, "error") < 0 ||
			      elem(w->tw, "D", error, NULL) < 0 ||
			      end(w->tw) < 0))
		return -EIO;
	return end(w->tw);
}

int
tusk_dav_writer_finish(struct tusk_dav_writer *w, const char **xml,
		       size_t *len)
{
	if (xmlTextWriterEndDocument(w->tw) < 0 ||
	    xmlTextWriterFlush(w->tw) < 0)
		return -EIO;
	*xml = (const char *)xmlBufferContent(w->buf);
	*len = (size_t)xmlBufferLength(w->buf);
	return 0;
}

size_t
tusk_dav_writer_len(struct tusk_dav_writer *w)
{
	/* what the writer keeps in its own small buffer goes in first */
	(void)xmlTextWriterFlush(w->tw);
	return (size_t)xmlBufferLength(w->buf);
}

int
tusk_dav_error_xml(const char *condition, char *out, size_t outlen)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr tw = buf != NULL ? xmlNewTextWriterMemory(buf, 0) :
				NULL;
	int rc = -EIO;
	size_t n;

	if (tw != NULL &&
	    xmlTextWriterStartDocument(tw, NULL, "utf-8", NULL) >= 0 &&
	    xmlTextWriterStartElementNS(tw, BAD_CAST "D", BAD_CAST "error",
					BAD_CAST DAV_NS) >= 0 &&
	    elem(tw, "D", condition, NULL) == 0 &&
	    xmlTextWriterEndDocument(tw) >= 0) {
		xmlFreeTextWriter(tw); /* flushes into buf */
		tw = NULL;
		n = (size_t)xmlBufferLength(buf);
		rc = n < outlen ? (int)n : -ENOSPC;
		if (rc > 0) {
			memcpy(out, xmlBufferContent(buf), n);
			out[n] = '\0';
		}
	}
	if (tw != NULL)
		xmlFreeTextWriter(tw);
	if (buf != NULL)
		xmlBufferFree(buf);
	return rc;
}
