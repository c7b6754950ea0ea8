/*
 * posix/filedisk.c -- disks on regular files and block devices.
 *
 * Opens with O_DIRECT where the medium allows it (tmpfs, for one, does
 * not), so the page cache neither hides I/O errors nor reorders durability.
 * A block device reports its own size (BLKGETSIZE64) and logical block size
 * (BLKSSZGET); a regular file gets the size and block size it is given.
 *
 * Two ways to move data:
 *  - io_uring (liburing): operations are queued on a ring and one reaper
 *    thread per disk expires their tickets as completions arrive; a short
 *    transfer is resubmitted for the remainder.  A flush is an fdatasync
 *    with IOSQE_IO_DRAIN, so it starts only after every write submitted
 *    before it has completed -- which is what "flush covers every write
 *    issued before it" (disk.h) needs.
 *  - plain pread/pwrite/fdatasync on the caller's thread, when io_uring is
 *    unavailable (old kernel, seccomp, io_uring_disabled) or asked for.
 * LISPOS_DISK_IO=uring|sync in the environment overrides the choice.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/disk.h"
#include "drivers/printf.h"
#include "drivers/posix/filedisk.h"

enum { QUEUE_DEPTH = 512 };

enum request_kind { REQ_READ, REQ_WRITE, REQ_FLUSH };

struct request {
    enum request_kind kind;
    lo_ticket *ticket;
    unsigned char *buf;
    size_t len, done;
    uint64_t offset;
    /* The kernel hands the request from the submitter to the reaper (its
     * address rides in the completion), an order no program analysis can
     * see: stored with release before each submission and loaded with
     * acquire by the reaper, it states that order (ThreadSanitizer). */
    _Atomic unsigned submissions;
};

struct file_disk {
    lo_disk base;
    int fd;
    struct lo_host_disk_info info;
    /* io_uring state; lock guards the submission queue and inflight */
    struct io_uring ring;
    lo_mutex lock;
    lo_cond drained;         /* signalled whenever inflight drops */
    unsigned inflight;
    lo_thread reaper;
};

static const struct lo_disk_ops uring_ops, sync_ops;

static int map_errno(int e)
{
    switch (e) {
    case ENOENT:              return LO_ENOENT;
    case EACCES: case EPERM:  return LO_EACCES;
    case ENOSPC: case EDQUOT: return LO_ENOSPC;
    case ENOMEM:              return LO_ENOMEM;
    case EINVAL: case EISDIR: return LO_EINVAL;
    case EBUSY:               return LO_EBUSY;
    default:                  return LO_EIO;
    }
}

static const char *kind_name(enum request_kind kind)
{
    return kind == REQ_READ ? "read" : kind == REQ_WRITE ? "write" : "flush";
}

/* ---- plain pread/pwrite ------------------------------------------------- */

static lo_ticket *sync_transfer(struct file_disk *f, enum request_kind kind,
                                unsigned char *buf, size_t len,
                                uint64_t offset)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = kind == REQ_READ
            ? pread(f->fd, buf + done, len - done, (off_t)(offset + done))
            : pwrite(f->fd, buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return lo_ticket_done(map_errno(errno), "%s at %llu: %s",
                                  kind_name(kind),
                                  (unsigned long long)(offset + done),
                                  strerror(errno));
        if (n == 0)
            return lo_ticket_done(LO_EIO, "%s at %llu: unexpected end of "
                                  "file", kind_name(kind),
                                  (unsigned long long)(offset + done));
        done += (size_t)n;
    }
    return lo_ticket_done(LO_OK, NULL);
}

static lo_ticket *sync_read(lo_disk *d, void *buf, size_t len, uint64_t off)
{
    return sync_transfer((struct file_disk *)d, REQ_READ, buf, len, off);
}

static lo_ticket *sync_write(lo_disk *d, const void *buf, size_t len,
                             uint64_t off)
{
    return sync_transfer((struct file_disk *)d, REQ_WRITE,
                         (unsigned char *)buf, len, off);
}

static lo_ticket *sync_flush(lo_disk *d)
{
    struct file_disk *f = (struct file_disk *)d;
    if (fdatasync(f->fd) != 0)
        return lo_ticket_done(map_errno(errno), "flush: %s", strerror(errno));
    return lo_ticket_done(LO_OK, NULL);
}

static void file_close(lo_disk *d)
{
    struct file_disk *f = (struct file_disk *)d;
    close(f->fd);
    lo_mem_free(f);
}

static const struct lo_disk_ops sync_ops = {
    sync_read, sync_write, sync_flush, file_close,
};

/* ---- io_uring ------------------------------------------------------------- */

/* One submission moves at most this much; the rest goes as a "short
 * transfer" resubmission (io_uring lengths are 32-bit). */
#define MAX_CHUNK (1u << 30)

/* Put req (or the rest of it) on the ring.  Caller holds f->lock. */
static int queue_request(struct file_disk *f, struct request *req)
{
    size_t rest = req->len - req->done;
    unsigned chunk = rest > MAX_CHUNK ? MAX_CHUNK : (unsigned)rest;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&f->ring);
    if (!sqe)
        return LO_EBUSY;    /* cannot happen: we submit after every prep */
    switch (req->kind) {
    case REQ_READ:
        io_uring_prep_read(sqe, f->fd, req->buf + req->done, chunk,
                           req->offset + req->done);
        break;
    case REQ_WRITE:
        io_uring_prep_write(sqe, f->fd, req->buf + req->done, chunk,
                            req->offset + req->done);
        break;
    case REQ_FLUSH:
        io_uring_prep_fsync(sqe, f->fd, IORING_FSYNC_DATASYNC);
        sqe->flags |= IOSQE_IO_DRAIN;
        break;
    }
    io_uring_sqe_set_data(sqe, req);
    atomic_fetch_add_explicit(&req->submissions, 1, memory_order_release);
    int rc = io_uring_submit(&f->ring);
    return rc < 0 ? map_errno(-rc) : LO_OK;
}

static lo_ticket *uring_start(struct file_disk *f, enum request_kind kind,
                              unsigned char *buf, size_t len, uint64_t offset)
{
    lo_ticket *t = lo_ticket_new();
    struct request *req = lo_mem_alloc(sizeof *req);
    if (!req || lo_ticket_expired_p(t)) {   /* the shared out-of-memory one */
        lo_mem_free(req);
        lo_ticket_release(t);
        lo_ticket_release(t);
        return lo_ticket_done(LO_ENOMEM, "%s: out of memory", kind_name(kind));
    }
    *req = (struct request){ kind, t, buf, len, 0, offset, 0 };

    lo_mutex_lock(&f->lock);
    while (f->inflight >= QUEUE_DEPTH)
        lo_cond_wait(&f->drained, &f->lock);
    int status = queue_request(f, req);
    if (status == LO_OK)
        f->inflight++;
    lo_mutex_unlock(&f->lock);

    if (status != LO_OK) {
        lo_ticket_expire(t, status, "%s: io_uring submit failed: %s",
                         kind_name(kind), lo_strerror(status));
        lo_mem_free(req);
    }
    return t;
}

static void finish_request(struct file_disk *f, struct request *req,
                           int status, const char *why)
{
    lo_mutex_lock(&f->lock);
    f->inflight--;
    lo_cond_broadcast(&f->drained);
    lo_mutex_unlock(&f->lock);
    if (status == LO_OK)
        lo_ticket_expire(req->ticket, LO_OK, NULL);
    else
        lo_ticket_expire(req->ticket, status, "%s at %llu: %s",
                         kind_name(req->kind),
                         (unsigned long long)(req->offset + req->done), why);
    lo_mem_free(req);
}

/* One completion: finish the request or resubmit what is left of it. */
static void complete(struct file_disk *f, struct request *req, int res)
{
    if (res < 0) {
        finish_request(f, req, map_errno(-res), strerror(-res));
        return;
    }
    if (req->kind == REQ_FLUSH) {
        finish_request(f, req, LO_OK, NULL);
        return;
    }
    if (res == 0) {
        finish_request(f, req, LO_EIO, "unexpected end of file");
        return;
    }
    req->done += (size_t)res;
    if (req->done == req->len) {
        finish_request(f, req, LO_OK, NULL);
        return;
    }
    lo_mutex_lock(&f->lock);
    int status = queue_request(f, req);
    lo_mutex_unlock(&f->lock);
    if (status != LO_OK)
        finish_request(f, req, status, "resubmitting a short transfer failed");
}

/* The reaper thread: expires tickets as completions arrive.  A completion
 * without a request (the NOP queued by close) tells it to stop. */
static void reaper_main(void *arg)
{
    struct file_disk *f = arg;
    for (;;) {
        struct io_uring_cqe *cqe;
        int rc = io_uring_wait_cqe(&f->ring, &cqe);
        if (rc == -EINTR)
            continue;
        if (rc < 0)
            lo_panic("io_uring_wait_cqe on %s: %s", f->base.name,
                     strerror(-rc));
        struct request *req = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        io_uring_cqe_seen(&f->ring, cqe);
        if (!req)
            return;
        (void)atomic_load_explicit(&req->submissions, memory_order_acquire);
        complete(f, req, res);
    }
}

static lo_ticket *uring_read(lo_disk *d, void *buf, size_t len, uint64_t off)
{
    return uring_start((struct file_disk *)d, REQ_READ, buf, len, off);
}

static lo_ticket *uring_write(lo_disk *d, const void *buf, size_t len,
                              uint64_t off)
{
    return uring_start((struct file_disk *)d, REQ_WRITE,
                       (unsigned char *)buf, len, off);
}

static lo_ticket *uring_flush(lo_disk *d)
{
    return uring_start((struct file_disk *)d, REQ_FLUSH, NULL, 0, 0);
}

static void uring_close(lo_disk *d)
{
    struct file_disk *f = (struct file_disk *)d;
    lo_mutex_lock(&f->lock);
    while (f->inflight > 0)
        lo_cond_wait(&f->drained, &f->lock);
    struct io_uring_sqe *sqe = io_uring_get_sqe(&f->ring);
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data(sqe, NULL);
    io_uring_submit(&f->ring);
    lo_mutex_unlock(&f->lock);
    lo_thread_join(&f->reaper);
    io_uring_queue_exit(&f->ring);
    lo_cond_destroy(&f->drained);
    lo_mutex_destroy(&f->lock);
    file_close(d);
}

static const struct lo_disk_ops uring_ops = {
    uring_read, uring_write, uring_flush, uring_close,
};

static int uring_setup(struct file_disk *f)
{
    int rc = io_uring_queue_init(QUEUE_DEPTH, &f->ring, 0);
    if (rc < 0)
        return map_errno(-rc);
    lo_mutex_init(&f->lock);
    lo_cond_init(&f->drained);
    if (lo_thread_start(&f->reaper, reaper_main, f) != LO_OK) {
        io_uring_queue_exit(&f->ring);
        lo_cond_destroy(&f->drained);
        lo_mutex_destroy(&f->lock);
        return LO_ENOMEM;
    }
    return LO_OK;
}

/* ---- opening ---------------------------------------------------------------- */

static bool valid_block_size(uint64_t bs)
{
    return bs >= LO_DISK_MIN_BLOCK && bs <= LO_DISK_MAX_BLOCK &&
           (bs & (bs - 1)) == 0;
}

static enum lo_disk_io io_choice(const struct lo_disk_open_options *opt)
{
    const char *env = getenv("LISPOS_DISK_IO");
    if (env && !strcmp(env, "sync"))
        return LO_DISK_IO_SYNC;
    if (env && !strcmp(env, "uring"))
        return LO_DISK_IO_URING;
    return opt->io;
}

/* Size and native block size of the open fd, per the medium. */
static int measure(struct file_disk *f, const struct lo_disk_open_options *opt,
                   uint64_t *bytes, uint32_t *block)
{
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return map_errno(errno);
    if (S_ISBLK(st.st_mode)) {
        uint64_t size = 0;
        int sector = 0;
        if (ioctl(f->fd, BLKGETSIZE64, &size) != 0 ||
            ioctl(f->fd, BLKSSZGET, &sector) != 0)
            return map_errno(errno);
        f->info.block_device = true;
        *bytes = size;
        *block = (uint32_t)sector;
        if (opt->block_size > *block)     /* a coarser native block is fine */
            *block = opt->block_size;
        return LO_OK;
    }
    if (!S_ISREG(st.st_mode))
        return LO_EINVAL;
    *block = opt->block_size ? opt->block_size : 4096;
    *bytes = (uint64_t)st.st_size;
    if (opt->size_bytes) {
        if ((uint64_t)st.st_size < opt->size_bytes &&
            ftruncate(f->fd, (off_t)opt->size_bytes) != 0)
            return map_errno(errno);
        *bytes = opt->size_bytes;
    }
    return LO_OK;
}

/* The fd, or -1 with *err set. */
static int open_fd(const char *path, const struct lo_disk_open_options *opt,
                   bool *direct, int *err)
{
    int flags = O_RDWR | O_CLOEXEC | (opt->create ? O_CREAT : 0);
    *direct = false;
    if (!opt->no_direct) {
        int fd = open(path, flags | O_DIRECT, 0644);
        if (fd >= 0) {
            *direct = true;
            return fd;
        }
        if (errno != EINVAL) {      /* EINVAL: the medium refuses O_DIRECT */
            *err = map_errno(errno);
            return -1;
        }
    }
    int fd = open(path, flags, 0644);
    if (fd < 0)
        *err = map_errno(errno);
    return fd;
}

int lo_host_disk_open(const char *path, const struct lo_disk_open_options *opt,
                      lo_disk **out)
{
    static const struct lo_disk_open_options defaults;
    if (!opt)
        opt = &defaults;
    *out = NULL;
    if (opt->block_size && !valid_block_size(opt->block_size))
        return LO_ESIZE;

    struct file_disk *f = lo_mem_alloc(sizeof *f);
    if (!f)
        return LO_ENOMEM;
    int status = LO_OK;
    int fd = open_fd(path, opt, &f->info.direct, &status);
    if (fd < 0) {
        lo_mem_free(f);
        return status;
    }
    f->fd = fd;

    uint64_t bytes = 0;
    uint32_t block = 0;
    status = measure(f, opt, &bytes, &block);
    if (status == LO_OK && !valid_block_size(block))
        status = LO_ESIZE;
    if (status == LO_OK && bytes / block == 0)
        status = LO_ERANGE;         /* empty: a file needs a size */

    enum lo_disk_io io = io_choice(opt);
    const struct lo_disk_ops *ops = &sync_ops;
    if (status == LO_OK && io != LO_DISK_IO_SYNC) {
        int rc = uring_setup(f);
        if (rc == LO_OK) {
            f->info.uring = true;
            ops = &uring_ops;
        } else if (io == LO_DISK_IO_URING) {
            status = LO_ENOSYS;
        }
    }
    if (status != LO_OK) {
        close(fd);
        lo_mem_free(f);
        return status;
    }

    char name[96];
    lo_snprintf(name, sizeof name, "%s:%s%s", f->info.uring ? "uring" : "sync",
                path, f->info.direct ? " (direct)" : "");
    lo_disk_init(&f->base, ops, bytes / block, block, name);
    *out = &f->base;
    return LO_OK;
}

int lo_host_disk_info(lo_disk *d, struct lo_host_disk_info *out)
{
    if (d->ops != &uring_ops && d->ops != &sync_ops)
        return LO_EINVAL;
    *out = ((struct file_disk *)d)->info;
    return LO_OK;
}
