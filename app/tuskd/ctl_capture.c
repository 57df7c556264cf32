/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands for packet capture (drivers/port_capture.h):
 *   capture       {"port", "file", "count", "snaplen"}
 *   capture_stop  {"port"}
 * and the drain that tusk_ctl_poll() runs while a capture is active.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl_priv.h"

/* Frames a capture takes when the request names no count: enough for a
 * handshake and a window of data, small enough to read by eye. */
#define CAPTURE_DEFAULT_COUNT 1000

int
tusk_ctl_capture_cmd_start(void *arg, json_t *args,
			   json_t **result, char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	const char *file = json_string_value(json_object_get(args, "file"));
	int i = tusk_ctl_port_arg(ctl, args, err, errlen), ret;
	int64_t count, snaplen;

	if (i < 0)
		return -1;
	count = tusk_ctl_arg_uint(args, "count", CAPTURE_DEFAULT_COUNT,
				  TUSK_CAPTURE_COUNT_MAX, err, errlen);
	snaplen = tusk_ctl_arg_uint(args, "snaplen", 0,
				    TUSK_CAPTURE_SNAPLEN_MAX, err, errlen);
	if (count < 0 || snaplen < 0)
		return -1;
	if (file == NULL || file[0] != '/') {
		snprintf(err, errlen, "\"file\" must be an absolute path");
		return -1;
	}
	if (ctl->captures[i] != NULL) {
		snprintf(err, errlen, "a capture is already running on %s",
			 ctl->ctx.ports[i].name);
		return -1;
	}
	ret = tusk_port_capture_start(&ctl->ctx.ports[i], file,
				      (uint32_t)count, (uint32_t)snaplen,
				      &ctl->captures[i]);
	if (ret < 0) {
		snprintf(err, errlen, "cannot capture into %s: %s", file,
			 strerror(-ret));
		return -1;
	}
	*result = tusk_port_capture_json(ctl->captures[i]);
	return 0;
}

static void
capture_end(struct tusk_ctl *ctl, unsigned int i)
{
	tusk_port_capture_stop(ctl->captures[i]);
	ctl->captures[i] = NULL;
}

int
tusk_ctl_capture_cmd_stop(void *arg, json_t *args,
			  json_t **result, char *err, size_t errlen)
{
	struct tusk_ctl *ctl = arg;
	int i = tusk_ctl_port_arg(ctl, args, err, errlen);

	if (i < 0)
		return -1;
	if (ctl->captures[i] == NULL) {
		snprintf(err, errlen, "no capture running on %s",
			 ctl->ctx.ports[i].name);
		return -1;
	}
	tusk_port_capture_drain(ctl->captures[i]);
	*result = tusk_port_capture_json(ctl->captures[i]);
	capture_end(ctl, (unsigned int)i);
	return 0;
}

/* Called every tusk_ctl_poll(): write what the lcores copied, and close
 * captures that have all their frames. */
void
tusk_ctl_capture_drain(struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < TUSK_CONFIG_PORTS_MAX; i++) {
		if (ctl->captures[i] == NULL)
			continue;
		if (tusk_port_capture_drain(ctl->captures[i]) < 0 ||
		    tusk_port_capture_done(ctl->captures[i]))
			capture_end(ctl, i);
	}
}

void
tusk_ctl_capture_close(struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < TUSK_CONFIG_PORTS_MAX; i++)
		if (ctl->captures[i] != NULL)
			capture_end(ctl, i);
}

bool
tusk_ctl_capture_active(const struct tusk_ctl *ctl)
{
	unsigned int i;

	for (i = 0; i < TUSK_CONFIG_PORTS_MAX; i++)
		if (ctl->captures[i] != NULL)
			return true;
	return false;
}
