/*
 * error.h -- error codes shared by every layer of LispOS.
 *
 * Functions that can fail return 0 (or a non-negative count) on success and
 * a negative lo_err on failure; a ticket carries the same code for an
 * asynchronous operation.  lo_strerror() names a code for people.
 */
#ifndef LO_ERROR_H
#define LO_ERROR_H

enum lo_err {
    LO_OK = 0,
    LO_EINVAL = -1,       /* an argument is malformed */
    LO_ENOMEM = -2,       /* out of C-side memory */
    LO_EIO = -3,          /* the device reported an I/O error */
    LO_ERANGE = -4,       /* an address or size is outside the device */
    LO_EALIGN = -5,       /* an address or buffer is not aligned as required */
    LO_ESIZE = -6,        /* a size is not a power of two, or is zero */
    LO_EBUSY = -7,        /* the resource (e.g. an address range) is taken */
    LO_ENOENT = -8,       /* no such file or device */
    LO_EPOWER = -9,       /* the (simulated) power is gone */
    LO_ENOSYS = -10,      /* not available on this platform or build */
    LO_EACCES = -11,      /* permission denied by the host */
    LO_ECORRUPT = -12,    /* on-disk data failed a check */
    LO_ENOSPC = -13,      /* the device is full */
    LO_ECLOSED = -14,     /* the object was closed */
    LO_ELISP = -15,       /* the Lisp failed: lisp/api.h's lo_last_error says how */
};

/* A short, stable, human-readable description of an error code. */
const char *lo_strerror(int err);

#endif
