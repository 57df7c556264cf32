/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading WebDAV XML back in tests (dav_xpath.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "dav_xpath.h"
#include "http_dav.h"

static xmlDocPtr doc;
static xmlXPathContextPtr xpc;

void
dav_xpath_load(const char *xml, size_t len)
{
	doc = xmlReadMemory(xml, (int)len, "dav.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xpc = xmlXPathNewContext(doc);
	assert_non_null(xpc);
	xmlXPathRegisterNs(xpc, BAD_CAST "D", BAD_CAST "DAV:");
	xmlXPathRegisterNs(xpc, BAD_CAST "C", BAD_CAST TUSK_DAV_DCACHE_NS);
	xmlXPathRegisterNs(xpc, BAD_CAST "x", BAD_CAST "urn:x");
}

void
dav_xpath_unload(void)
{
	xmlXPathFreeContext(xpc);
	xmlFreeDoc(doc);
	xpc = NULL;
	doc = NULL;
}

const char *
dav_xpath_str(const char *expr)
{
	static char out[1024];
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, xpc);

	assert_non_null(o);
	assert_int_equal(o->type, XPATH_STRING);
	snprintf(out, sizeof(out), "%s", (const char *)o->stringval);
	xmlXPathFreeObject(o);
	return out;
}
