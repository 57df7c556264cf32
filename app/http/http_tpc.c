/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP-TPC wire text (http_tpc.h): markers, the final line, forwarded
 * fields.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_msg.h"
#include "http_tpc.h"

int
tusk_tpc_marker(char *buf, size_t len, int64_t ts, uint64_t bytes)
{
	int n = snprintf(buf, len, "Perf Marker\n"
			 "Timestamp: %" PRId64 "\n"
			 "Stripe Index: 0\n"
			 "Stripe Bytes Transferred: %" PRIu64 "\n"
			 "Total Stripe Count: 1\n"
			 "End\n", ts, bytes);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int
tusk_tpc_final(char *buf, size_t len, const char *failure)
{
	int n;

	if (failure == NULL)
		n = snprintf(buf, len, "success: Created\n");
	else
		n = snprintf(buf, len, "failure: %s\n", failure);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	for (int i = 0; failure != NULL && i < n - 1; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	return n;
}

/* Fields the client sets itself (see http_tpc.h). */
static bool
framing(const char *name, size_t n)
{
	static const char *const names[] = {
		"Host", "Content-Length", "Transfer-Encoding", "Connection",
		"Expect", "TE", "Trailer", "Upgrade", "Keep-Alive", "Range",
		"If-Range",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
			return true;
	return false;
}

struct fwd {
	char *out;
	size_t outlen, o;
};

static int
fwd_field(void *arg, const char *name, size_t nlen, const char *v,
	  size_t n)
{
	static const size_t pl = sizeof(TUSK_TPC_FORWARD_PREFIX) - 1;
	struct fwd *f = arg;
	int w;

	if (nlen <= pl || strncasecmp(name, TUSK_TPC_FORWARD_PREFIX, pl) != 0 ||
	    framing(name + pl, nlen - pl))
		return 0;
	w = snprintf(f->out + f->o, f->outlen - f->o, "%.*s: %.*s\r\n",
		     (int)(nlen - pl), name + pl, (int)n, v);
	if (w < 0 || (size_t)w >= f->outlen - f->o)
		return -ENOSPC;
	f->o += (size_t)w;
	return 0;
}

int
tusk_tpc_forward(const char *head, size_t len, char *out, size_t outlen)
{
	struct fwd f = { out, outlen, 0 };
	int rc;

	if (outlen == 0)
		return -ENOSPC;
	out[0] = '\0';
	rc = tusk_http_head_fields(head, len, fwd_field, &f);
	return rc < 0 ? rc : (int)f.o;
}
