/*
 * posix/filedisk.h -- what the hosted file/block-device driver can say
 * about a disk it opened (lo_host_disk_open in platform.h).  Hosted code
 * only: tools and tests use it to report how a disk is being driven.
 */
#ifndef LO_POSIX_FILEDISK_H
#define LO_POSIX_FILEDISK_H

#include <stdbool.h>

#include "drivers/disk.h"

struct lo_host_disk_info {
    bool block_device;      /* a block device, not a regular file */
    bool direct;            /* opened with O_DIRECT */
    bool uring;             /* I/O goes through io_uring */
};

/* LO_EINVAL if d was not opened by lo_host_disk_open. */
int lo_host_disk_info(lo_disk *d, struct lo_host_disk_info *out);

#endif
