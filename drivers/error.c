/*
 * error.c -- names of the lo_err codes (see error.h).
 */
#include "drivers/error.h"

const char *lo_strerror(int err)
{
    switch (err) {
    case LO_OK:       return "success";
    case LO_EINVAL:   return "invalid argument";
    case LO_ENOMEM:   return "out of memory";
    case LO_EIO:      return "I/O error";
    case LO_ERANGE:   return "address or size out of range";
    case LO_EALIGN:   return "misaligned address or buffer";
    case LO_ESIZE:    return "size is not a power of two";
    case LO_EBUSY:    return "resource busy or range already in use";
    case LO_ENOENT:   return "no such file or device";
    case LO_EPOWER:   return "power lost";
    case LO_ENOSYS:   return "not supported here";
    case LO_EACCES:   return "permission denied";
    case LO_ECORRUPT: return "data corrupt";
    case LO_ENOSPC:   return "no space left on device";
    case LO_ECLOSED:  return "already closed";
    case LO_ELISP:    return "the Lisp signalled a condition";
    }
    return "unknown error";
}
