/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the files of drivers/ only.
 */
#ifndef TUSK_PORT_PRIV_H
#define TUSK_PORT_PRIV_H

#include <rte_log.h>

#include "port.h"

extern int tusk_port_logtype;
#define PORT_LOG(level, ...)                                                  \
	rte_log(RTE_LOG_##level, tusk_port_logtype, "port: " __VA_ARGS__)

/* Log what negotiation enabled in hardware and what falls back to
 * software. */
void port_offload_log(const struct tusk_port *p);

#endif /* TUSK_PORT_PRIV_H */
