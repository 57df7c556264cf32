/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request target -> a path relative to the data root (first line of
 * defence; app/fileio/root.c resolves beneath the root as the second).
 *
 * Accepted forms (RFC 9112 3.2): origin-form "/a/b?q" and absolute-form
 * "http://host/a/b" (the authority is dropped: one root serves every
 * Host). The query and a fragment are stripped. Each segment is
 * percent-decoded (RFC 3986 2.1) and then judged, so encoded dots are
 * dots:
 *   - "" (from "//") and "." segments are dropped;
 *   - a ".." segment, plain or encoded ("%2e%2e"), is refused: 403. The
 *     target is never normalised upward: "/a/../b" is refused too, as a
 *     client of a file endpoint has no reason to send it;
 *   - "%2f" ('/' inside a segment) is refused: 400. A file name cannot
 *     hold '/', and decoding it to a separator would let an encoded
 *     path slip past a proxy's checks;
 *   - "%00" and any control character after decoding: 400;
 *   - a bad escape ("%4", "%zz"): 400.
 * The result never starts or ends with '/', and "" names the root
 * directory itself (the server answers 403 for directories: no listings).
 */
#ifndef TUSK_HTTP_PATH_H
#define TUSK_HTTP_PATH_H

#include <stddef.h>

/* Longest relative path produced: Linux PATH_MAX. Over it: 414. */
#define TUSK_HTTP_PATH_MAX 4096u

/*
 * Decode `target` (NUL terminated) into out (outlen bytes, at most
 * TUSK_HTTP_PATH_MAX is ever needed). Returns 0, or -400, -403 or -414
 * as above. "*" (asterisk-form) and authority-form are -400.
 */
int tusk_http_path_from_target(const char *target, char *out, size_t outlen);

#endif /* TUSK_HTTP_PATH_H */
