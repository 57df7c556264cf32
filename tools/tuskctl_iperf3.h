/* SPDX-License-Identifier: BSD-3-Clause */
/* tuskctl_iperf3: `tuskctl iperf3 host=H ...`, tuskd's iperf3 client. */
#ifndef TUSKCTL_IPERF3_H
#define TUSKCTL_IPERF3_H

#include <jansson.h>

/* req: {"cmd": "iperf3", "host": ..., ...} as tuskctl built it. Prints
 * the -J document; exit status. */
int tuskctl_iperf3_client(const char *sock, json_t *req);

#endif
