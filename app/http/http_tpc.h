/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WLCG HTTP third-party copy (HTTP-TPC), the wire side: what a COPY
 * request carries and what its response body says, as XRootD's XrdTpc
 * and dCache write and FTS, gfal2 and davix read it. No I/O, no clock.
 *
 * A COPY names the other end by a header:
 *   Source: <url>       pull: the server receiving COPY GETs url into the
 *                       request's target
 *   Destination: <url>  push: it PUTs its target to url
 * with `TransferHeader<Name>: <value>` fields sent on to the other end as
 * `<Name>: <value>` (TransferHeaderAuthorization carries the token the
 * other end wants), X-Number-Of-Streams (parallel streams),
 * RequireChecksumVerification (true: the copy fails unless a checksum
 * was compared), Overwrite (T/F, RFC 4918 10.6).
 *
 * The answer is 202 with a chunked text body that stays open while the
 * copy runs: a performance marker every TUSK_TPC_MARKER_S seconds
 *
 *   Perf Marker
 *   Timestamp: <unix seconds>
 *   Stripe Index: 0
 *   Stripe Bytes Transferred: <bytes so far>
 *   Total Stripe Count: 1
 *   End
 *
 * and one final line, "success: Created" or "failure: <reason>". davix
 * (src/copy/copy.cpp, monitorPerformanceMarkers) fails on any other line,
 * so nothing else is written; it reads "Stripe Bytes Transferred:" with
 * one space after the colon.
 */
#ifndef TUSK_HTTP_TPC_H
#define TUSK_HTTP_TPC_H

#include <stddef.h>
#include <stdint.h>

/* Seconds between performance markers: XrdTpc's and dCache's period,
 * what FTS's stall detection (no marker for minutes) is tuned to. */
#define TUSK_TPC_MARKER_S 5
/* Prefix of the fields forwarded to the other end. */
#define TUSK_TPC_FORWARD_PREFIX "TransferHeader"
/* A marker's text at most (two 20-digit numbers and the labels). */
#define TUSK_TPC_MARKER_MAX 160

/* The marker for `bytes` done at unix second `ts` into buf; its length
 * or -ENOSPC. */
int tusk_tpc_marker(char *buf, size_t len, int64_t ts, uint64_t bytes);

/* The final line: "success: Created\n", or with a reason "failure:
 * <reason>\n" (controls in reason replaced by spaces: one line). Its
 * length, or -ENOSPC. */
int tusk_tpc_final(char *buf, size_t len, const char *failure);

/*
 * The fields to send on, from a complete request head: each
 * TransferHeader<Name>: <value> as "<Name>: <value>\r\n" into out. A
 * field that frames the message or the connection (Host, Content-Length,
 * Transfer-Encoding, Connection, Expect, TE, Trailer, Upgrade,
 * Keep-Alive, Range, If-Range) is not forwarded: the client builds those
 * itself, and a forwarded one could smuggle a second request. Returns
 * the length (0: none), -ENOSPC over outlen, -400 for a head that does
 * not parse.
 */
int tusk_tpc_forward(const char *head, size_t len, char *out,
		     size_t outlen);

#endif /* TUSK_HTTP_TPC_H */
