/*
 * faultdisk.c -- a disk wrapper that injects failures (see disk.h).
 *
 * Model: a drive with a volatile write cache.  A write is copied into the
 * cache and its ticket expires at once; a flush moves everything cached, in
 * issue order, onto the inner disk and flushes that.  So the inner disk
 * always holds exactly the flushed state plus whatever a power loss decides
 * to keep -- which is what lets a crash test reopen the inner disk and
 * compare it with what it knows was made durable.
 *
 * Power loss settles each cached write in issue order with a seeded RNG:
 * keep it, drop it, or tear it (each native block independently written or
 * not).  A block written by several cached writes ends up with the newest
 * kept copy, as it would on a drive that does not reorder writes to the
 * same block.
 *
 * One mutex guards all state and is held across inner I/O: this is a test
 * device, and serializing makes its behaviour a function of the order in
 * which operations were issued, nothing else.
 */
#include <string.h>

#include "drivers/disk.h"
#include "drivers/printf.h"
#include "drivers/rng.h"

struct cached_write {
    uint64_t offset;
    size_t len;
    unsigned char *data;
};

/* A completion waiting to be delivered (async_ns > 0). */
struct late {
    lo_ticket *ticket;          /* the driver's reference */
    int status;
    bool barrier;               /* a flush: only once it is the oldest */
    char message[96];
};

struct fault_disk {
    lo_disk base;
    lo_disk *inner;
    struct lo_fault_config cfg;
    lo_rng rng;
    lo_mutex lock;
    struct cached_write *cache;
    size_t cache_len, cache_cap;
    uint64_t counted_ops;       /* operations of cfg.fail_kinds so far */
    struct lo_fault_stats stats;
    /* late completions, delivered by the completer thread */
    struct late *late;
    size_t nlate, late_cap;
    lo_cond late_added;
    bool completer_stop;
    lo_thread completer;
    lo_rng late_rng;
};

/* ---- the cache --------------------------------------------------------- */

static int cache_append(struct fault_disk *f, const void *buf, size_t len,
                        uint64_t offset)
{
    if (f->cache_len == f->cache_cap) {
        size_t cap = f->cache_cap ? f->cache_cap * 2 : 64;
        struct cached_write *grown = lo_mem_alloc(cap * sizeof *grown);
        if (!grown)
            return LO_ENOMEM;
        if (f->cache_len)
            memcpy(grown, f->cache, f->cache_len * sizeof *grown);
        lo_mem_free(f->cache);
        f->cache = grown;
        f->cache_cap = cap;
    }
    unsigned char *copy = lo_disk_buffer_alloc(len);
    if (!copy)
        return LO_ENOMEM;
    memcpy(copy, buf, len);
    f->cache[f->cache_len++] = (struct cached_write){ offset, len, copy };
    f->stats.cached_writes = f->cache_len;
    return LO_OK;
}

static void cache_clear(struct fault_disk *f)
{
    for (size_t i = 0; i < f->cache_len; i++)
        lo_disk_buffer_free(f->cache[i].data);
    f->cache_len = 0;
    f->stats.cached_writes = 0;
}

/* Copy the cached bytes that overlap [offset, offset+len) over buf. */
static void cache_overlay(struct fault_disk *f, void *buf, size_t len,
                          uint64_t offset)
{
    for (size_t i = 0; i < f->cache_len; i++) {
        struct cached_write *w = &f->cache[i];
        uint64_t lo = w->offset > offset ? w->offset : offset;
        uint64_t w_end = w->offset + w->len, end = offset + len;
        uint64_t hi = w_end < end ? w_end : end;
        if (lo < hi)
            memcpy((unsigned char *)buf + (lo - offset),
                   w->data + (lo - w->offset), (size_t)(hi - lo));
    }
}

/* Write [block_from, block_to) native blocks of one cached write inward. */
static int write_inner(struct fault_disk *f, const struct cached_write *w,
                       size_t block_from, size_t block_to)
{
    size_t bs = f->base.block_size;
    if (block_from == block_to)
        return LO_OK;
    lo_ticket *t = f->inner->ops->write(f->inner, w->data + block_from * bs,
                                        (block_to - block_from) * bs,
                                        w->offset + block_from * bs);
    return lo_ticket_finish(t);
}

/* Flush: every cached write, in order, then the inner disk's flush. */
static int cache_drain(struct fault_disk *f)
{
    size_t bs = f->base.block_size;
    for (size_t i = 0; i < f->cache_len; i++) {
        int status = write_inner(f, &f->cache[i], 0, f->cache[i].len / bs);
        if (status != LO_OK)
            return status;
    }
    cache_clear(f);
    return lo_ticket_finish(f->inner->ops->flush(f->inner));
}

/* Power loss: settle each cached write by the RNG (see the file comment). */
static int cache_settle(struct fault_disk *f)
{
    size_t bs = f->base.block_size;
    int status = LO_OK;
    for (size_t i = 0; i < f->cache_len && status == LO_OK; i++) {
        struct cached_write *w = &f->cache[i];
        size_t blocks = w->len / bs;
        switch (lo_rng_below(&f->rng, 3)) {
        case 0:
            f->stats.kept++;
            status = write_inner(f, w, 0, blocks);
            break;
        case 1:
            f->stats.dropped++;
            break;
        default:
            f->stats.torn++;
            for (size_t b = 0; b < blocks && status == LO_OK; b++)
                if (lo_rng_below(&f->rng, 2))
                    status = write_inner(f, w, b, b + 1);
            break;
        }
    }
    cache_clear(f);
    if (status == LO_OK)
        status = lo_ticket_finish(f->inner->ops->flush(f->inner));
    return status;
}

/* ---- fault decisions ---------------------------------------------------- */

static int lose_power_locked(struct fault_disk *f)
{
    if (f->stats.power_lost)
        return LO_OK;
    f->stats.power_lost = true;
    return cache_settle(f);
}

/* LO_OK to go ahead, or the error this operation must fail with. */
static int admit(struct fault_disk *f, unsigned kind)
{
    if (f->stats.power_lost)
        return LO_EPOWER;
    unsigned kinds = f->cfg.fail_kinds ? f->cfg.fail_kinds : LO_FAULT_ANY;
    if (f->cfg.fail_op && (kinds & kind)) {
        uint64_t n = ++f->counted_ops;
        if (n == f->cfg.fail_op || (f->cfg.fail_sticky && n > f->cfg.fail_op)) {
            f->stats.failed++;
            return LO_EIO;
        }
    }
    return LO_OK;
}

static lo_ticket *refuse(const char *op, int status)
{
    return lo_ticket_done(status, "%s: %s (injected)", op,
                          lo_strerror(status));
}

/*
 * With async_ns, turn an expired ticket into a pending one that the
 * completer thread will expire later with the same result (lock held).
 */
static lo_ticket *deliver(struct fault_disk *f, lo_ticket *done, bool barrier)
{
    if (!f->cfg.async_ns)
        return done;
    if (f->nlate == f->late_cap) {
        size_t cap = f->late_cap ? 2 * f->late_cap : 64;
        struct late *grown = lo_mem_alloc(cap * sizeof *grown);
        if (!grown)
            return done;        /* no memory: complete at once */
        if (f->nlate)
            memcpy(grown, f->late, f->nlate * sizeof *grown);
        lo_mem_free(f->late);
        f->late = grown;
        f->late_cap = cap;
    }
    lo_ticket *t = lo_ticket_new();
    if (lo_ticket_expired_p(t))
        return done;            /* the shared out-of-memory ticket */
    struct late *l = &f->late[f->nlate++];
    l->ticket = t;
    l->status = lo_ticket_status(done);
    l->barrier = barrier;
    lo_snprintf(l->message, sizeof l->message, "%s", lo_ticket_message(done));
    lo_ticket_release(done);
    lo_cond_broadcast(&f->late_added);
    return t;
}

/* The completer: every async_ns or so, expire one queued completion chosen
 * at random among those allowed (a flush only when it is the oldest). */
static void completer_main(void *arg)
{
    struct fault_disk *f = arg;
    lo_mutex_lock(&f->lock);
    for (;;) {
        while (!f->nlate && !f->completer_stop)
            lo_cond_wait(&f->late_added, &f->lock);
        if (!f->nlate && f->completer_stop)
            break;
        lo_cond_timedwait(&f->late_added, &f->lock, f->cfg.async_ns);
        if (!f->nlate)
            continue;
        size_t pick = (size_t)lo_rng_below(&f->late_rng, f->nlate);
        while (pick > 0 && f->late[pick].barrier)
            pick--;             /* a flush waits for those before it */
        struct late l = f->late[pick];
        memmove(&f->late[pick], &f->late[pick + 1],
                (f->nlate - pick - 1) * sizeof *f->late);
        f->nlate--;
        lo_mutex_unlock(&f->lock);
        lo_ticket_expire(l.ticket, l.status, l.message[0] ? "%s" : NULL,
                         l.message);
        lo_mutex_lock(&f->lock);
    }
    lo_mutex_unlock(&f->lock);
}

/* ---- lo_disk_ops -------------------------------------------------------- */

static lo_ticket *fault_read(lo_disk *d, void *buf, size_t len,
                             uint64_t offset)
{
    struct fault_disk *f = (struct fault_disk *)d;
    lo_mutex_lock(&f->lock);
    f->stats.reads++;
    int status = admit(f, LO_FAULT_READ);
    lo_ticket *t;
    if (status != LO_OK) {
        t = refuse("read", status);
    } else {
        lo_ticket *inner = f->inner->ops->read(f->inner, buf, len, offset);
        status = lo_ticket_wait(inner);
        if (status == LO_OK)
            cache_overlay(f, buf, len, offset);
        t = lo_ticket_done(status, "%s", lo_ticket_message(inner));
        lo_ticket_release(inner);
    }
    t = deliver(f, t, false);
    lo_mutex_unlock(&f->lock);
    return t;
}

/* Sleep, as a slow medium would, without holding the disk's lock. */
static void delay(uint64_t ns)
{
    if (!ns)
        return;
    lo_mutex m;
    lo_cond cv;
    lo_mutex_init(&m);
    lo_cond_init(&cv);
    lo_mutex_lock(&m);
    uint64_t until = lo_clock_ns() + ns;
    for (uint64_t now; (now = lo_clock_ns()) < until;)
        lo_cond_timedwait(&cv, &m, until - now);
    lo_mutex_unlock(&m);
    lo_cond_destroy(&cv);
    lo_mutex_destroy(&m);
}

static lo_ticket *fault_write(lo_disk *d, const void *buf, size_t len,
                              uint64_t offset)
{
    struct fault_disk *f = (struct fault_disk *)d;
    delay(f->cfg.write_latency_ns);
    lo_mutex_lock(&f->lock);
    f->stats.writes++;
    int status = admit(f, LO_FAULT_WRITE);
    lo_ticket *t;
    if (status != LO_OK) {
        t = refuse("write", status);
    } else if ((status = cache_append(f, buf, len, offset)) != LO_OK) {
        t = lo_ticket_done(status, "write: no memory to cache the write");
    } else if (f->cfg.power_loss_write &&
               f->stats.writes == f->cfg.power_loss_write) {
        status = lose_power_locked(f);
        t = status == LO_OK ? refuse("write", LO_EPOWER)
                            : lo_ticket_done(status, "write: settling the "
                                             "cache at power loss failed");
    } else {
        t = lo_ticket_done(LO_OK, NULL);
    }
    t = deliver(f, t, false);
    lo_mutex_unlock(&f->lock);
    return t;
}

static lo_ticket *fault_flush(lo_disk *d)
{
    struct fault_disk *f = (struct fault_disk *)d;
    lo_mutex_lock(&f->lock);
    f->stats.flushes++;
    int status = admit(f, LO_FAULT_FLUSH);
    lo_ticket *t;
    if (status == LO_OK && f->cfg.power_loss_flush &&
        f->stats.flushes == f->cfg.power_loss_flush) {
        status = lose_power_locked(f);
        t = status == LO_OK ? refuse("flush", LO_EPOWER)
                            : lo_ticket_done(status, "flush: settling the "
                                             "cache at power loss failed");
    } else if (status != LO_OK)
        t = refuse("flush", status);
    else if ((status = cache_drain(f)) != LO_OK)
        t = lo_ticket_done(status, "flush: inner disk failed: %s",
                           lo_strerror(status));
    else
        t = lo_ticket_done(LO_OK, NULL);
    t = deliver(f, t, true);
    lo_mutex_unlock(&f->lock);
    return t;
}

/* A clean close is not a power loss: the drive writes its cache back. */
static void fault_close(lo_disk *d)
{
    struct fault_disk *f = (struct fault_disk *)d;
    if (f->cfg.async_ns) {      /* deliver what is queued, then stop */
        lo_mutex_lock(&f->lock);
        f->completer_stop = true;
        lo_cond_broadcast(&f->late_added);
        lo_mutex_unlock(&f->lock);
        lo_thread_join(&f->completer);
    }
    lo_mem_free(f->late);
    lo_cond_destroy(&f->late_added);
    if (!f->stats.power_lost)
        cache_drain(f);
    cache_clear(f);
    lo_mem_free(f->cache);
    lo_mutex_destroy(&f->lock);
    lo_mem_free(f);
}

static const struct lo_disk_ops fault_ops = {
    fault_read, fault_write, fault_flush, fault_close,
};

int lo_fault_disk_open(lo_disk *inner, const struct lo_fault_config *cfg,
                       lo_disk **out)
{
    *out = NULL;
    struct fault_disk *f = lo_mem_alloc(sizeof *f);
    if (!f)
        return LO_ENOMEM;
    f->inner = inner;
    f->cfg = *cfg;
    lo_rng_seed(&f->rng, cfg->seed);
    lo_rng_seed(&f->late_rng, cfg->seed ^ 0x5eedull);
    lo_mutex_init(&f->lock);
    lo_cond_init(&f->late_added);
    if (cfg->async_ns && lo_thread_start(&f->completer, completer_main, f)
                         != LO_OK) {
        lo_cond_destroy(&f->late_added);
        lo_mutex_destroy(&f->lock);
        lo_mem_free(f);
        return LO_ENOMEM;
    }
    char name[96];
    lo_snprintf(name, sizeof name, "fault(%s)", inner->name);
    lo_disk_init(&f->base, &fault_ops, inner->blocks, inner->block_size, name);
    *out = &f->base;
    return LO_OK;
}

int lo_fault_disk_lose_power(lo_disk *d)
{
    struct fault_disk *f = (struct fault_disk *)d;
    lo_mutex_lock(&f->lock);
    int status = lose_power_locked(f);
    lo_mutex_unlock(&f->lock);
    return status;
}

void lo_fault_disk_stats(lo_disk *d, struct lo_fault_stats *out)
{
    struct fault_disk *f = (struct fault_disk *)d;
    lo_mutex_lock(&f->lock);
    *out = f->stats;
    lo_mutex_unlock(&f->lock);
}
