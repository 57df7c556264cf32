/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_swift: an analysis image kept in Swift, for the `local` launcher
 * (whose images are root file system directories): a step's `image` of
 * swift://STORAGE/CONTAINER/OBJECT names a tar of a root file system
 * (`tar -C /var/lib/tusk/images/analysis -cf analysis.tar .`, uploaded
 * with tusk-swift, which sets its SHA-256 metadata). It is fetched once
 * (ranged GETs, source_swift.h), its SHA-256 checked against the
 * object's X-Object-Meta-Sha256, unpacked into IMAGES/<sha256>/ and kept:
 * the next job naming an object with the same digest uses that directory
 * without fetching anything. Unpacked into a temporary directory and
 * renamed into place, so a directory named by a digest is always whole.
 * An OCI or docker archive (oci-layout / manifest.json at its top) is
 * refused with how to make a root file system tar of it.
 */
#ifndef TUSK_CTRL_IMAGE_SWIFT_H
#define TUSK_CTRL_IMAGE_SWIFT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrld_conf.h"

/* url: swift://...; images: the cache directory (made when missing);
 * rootfs: the image directory out; *cached: found there, not fetched.
 * 0 or -errno with why. */
int tusk_image_swift(const struct tusk_ctrld_storage *st, const char *url,
		     const char *images, char *rootfs, size_t len,
		     bool *cached, char *why, size_t wlen);

#endif
