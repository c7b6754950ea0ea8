/*
 * posix/hostfile.c -- host files read whole (drivers/platform.h), for the
 * Lisp's LOAD and OPEN: open, fstat, read until the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/platform.h"

static int from_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP:
        return LO_ENOENT;
    case EACCES:
    case EPERM:
        return LO_EACCES;
    case ENOMEM:
        return LO_ENOMEM;
    default:
        return LO_EIO;
    }
}

/* Read size bytes (the file's size when opened) into buf; a file that
 * shrank meanwhile gives fewer, reported in *got. */
static int read_fully(int fd, char *buf, size_t size, size_t *got)
{
    size_t at = 0;
    while (at < size) {
        ssize_t n = read(fd, buf + at, size - at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return from_errno(errno);
        if (n == 0)
            break;
        at += (size_t)n;
    }
    *got = at;
    return LO_OK;
}

int lo_file_read_all(const char *path, size_t max_len, char **buf,
                     size_t *len)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return from_errno(errno);
    struct stat st;
    int status = LO_OK;
    if (fstat(fd, &st) < 0)
        status = from_errno(errno);
    else if (!S_ISREG(st.st_mode))
        status = LO_EINVAL;
    else if ((uint64_t)st.st_size > max_len)
        status = LO_ERANGE;
    char *text = NULL;
    if (status == LO_OK) {
        text = lo_mem_alloc((size_t)st.st_size + 1);   /* zeroed: the NUL */
        if (!text)
            status = LO_ENOMEM;
    }
    size_t got = 0;
    if (status == LO_OK)
        status = read_fully(fd, text, (size_t)st.st_size, &got);
    close(fd);
    if (status != LO_OK) {
        lo_mem_free(text);
        return status;
    }
    text[got] = '\0';
    *buf = text;
    *len = got;
    return LO_OK;
}
