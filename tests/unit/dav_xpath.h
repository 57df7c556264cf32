/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading WebDAV XML back in tests: one document at a time parsed with
 * libxml2, XPath string values with the prefixes D (DAV:), C (dCache's
 * namespace, TUSK_DAV_DCACHE_NS) and x (urn:x) bound.
 */
#ifndef TUSK_DAV_XPATH_H
#define TUSK_DAV_XPATH_H

#include <stddef.h>

/* Parse xml[0, len) (asserts it is well-formed). */
void dav_xpath_load(const char *xml, size_t len);
void dav_xpath_unload(void);
/* The string value of an XPath expression on the loaded document, e.g.
 * "string(count(//D:response))"; static storage, up to 1 KiB. */
const char *dav_xpath_str(const char *expr);

#endif /* TUSK_DAV_XPATH_H */
