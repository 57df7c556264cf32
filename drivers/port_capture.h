/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture of a running port into a pcap file (libpcap), for
 * debugging interop where no tcpdump can see the wire (a NIC owned by
 * DPDK).
 *
 *   lcore:   rte_eth_rx_burst() / rte_eth_tx_burst()
 *              -> capture_rx() / capture_tx()   ethdev callbacks, every queue
 *                 -> rte_pktmbuf_copy() (snaplen) -> ring (multi-producer)
 *   control: tusk_port_capture_drain() -> ring -> pcap_dump()   (periodic)
 *
 * The lcores only copy and enqueue; file I/O stays on the control thread.
 * When the ring or the copy pool is full a frame is counted as dropped
 * rather than stalling the data path. Capture costs nothing when off: the
 * callbacks exist only while a capture runs.
 */
#ifndef TUSK_PORT_CAPTURE_H
#define TUSK_PORT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "port.h"

/* Frames buffered between the lcores and the control thread, which drains
 * every few milliseconds while a capture runs (app/tuskd/ctl.c). */
#define TUSK_CAPTURE_RING 4096
/* Largest frame kept: a 9000-byte MTU frame plus headers. */
#define TUSK_CAPTURE_SNAPLEN_MAX 9216
/* Frames a capture may ask for; the operator's disk is the limit, this
 * keeps a typo from filling it. */
#define TUSK_CAPTURE_COUNT_MAX 10000000

struct tusk_port_capture;

/*
 * Capture `count` frames (both directions, every queue) of port p into a
 * new pcap file at `path`, each cut to `snaplen` bytes (0: whole frames
 * up to the port's MTU). 0 or -errno; *out is the running capture.
 */
int tusk_port_capture_start(const struct tusk_port *p, const char *path,
			    uint32_t count, uint32_t snaplen,
			    struct tusk_port_capture **out);

/* The same into a file the caller opened for writing (`fd`, taken over:
 * closed with the capture, or at once on failure); `name` is what the
 * capture reports as its file. */
int tusk_port_capture_start_fd(const struct tusk_port *p, int fd,
			       const char *name, uint32_t count,
			       uint32_t snaplen,
			       struct tusk_port_capture **out);

/* Write what the lcores have copied; returns frames written, or -errno. */
int tusk_port_capture_drain(struct tusk_port_capture *c);

/* Has the capture taken `count` frames (nothing more will come)? */
bool tusk_port_capture_done(const struct tusk_port_capture *c);

/* Remove the callbacks, write what is left, close the file, free. */
void tusk_port_capture_stop(struct tusk_port_capture *c);

/* {"port", "file", "count", "snaplen", "written", "dropped", "done"} */
json_t *tusk_port_capture_json(const struct tusk_port_capture *c);

#endif /* TUSK_PORT_CAPTURE_H */
