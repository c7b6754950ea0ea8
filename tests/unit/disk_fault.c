/*
 * disk_fault.c -- the fault-injecting disk (drivers/faultdisk.c).
 *
 * Without faults it is a conforming disk.  With them: the Nth operation
 * fails (once or from then on) and does nothing; power loss keeps every
 * flushed write, settles each unflushed write as kept, dropped or torn, is
 * a function of the seed alone, and leaves the disk refusing everything.
 */
#include "tests/helpers/disk_conformance.h"
#include "drivers/rng.h"

enum { BS = 512, BLOCKS = 1024 };

static lo_disk *ram(void)
{
    lo_disk *d;
    if (lo_ram_disk_open(BLOCKS, BS, &d) != LO_OK)
        bail_out("cannot open a RAM disk");
    return d;
}

static lo_disk *wrap(lo_disk *inner, struct lo_fault_config cfg)
{
    lo_disk *f;
    if (lo_fault_disk_open(inner, &cfg, &f) != LO_OK)
        bail_out("cannot open a fault disk");
    return f;
}

static void check_fail_nth(void)
{
    lo_disk *inner = ram();
    lo_disk *f = wrap(inner, (struct lo_fault_config){
        .fail_op = 3, .fail_kinds = LO_FAULT_WRITE });
    unsigned char *buf = lo_disk_buffer_alloc(BS);
    memset(buf, 1, BS);
    is_int(lo_disk_write_sync(f, buf, BS, 0), LO_OK, "fail-nth: write 1 ok");
    is_int(lo_disk_read_sync(f, buf, BS, 0), LO_OK, "fail-nth: reads do not count");
    is_int(lo_disk_write_sync(f, buf, BS, BS), LO_OK, "fail-nth: write 2 ok");
    memset(buf, 3, BS);
    lo_ticket *t = lo_disk_write_block(f, buf, BS, 2 * BS);
    is_int(lo_ticket_status(t), LO_EIO, "fail-nth: write 3 fails with LO_EIO");
    ok(strstr(lo_ticket_message(t), "injected") != NULL,
       "fail-nth: the message says it was injected (%s)", lo_ticket_message(t));
    lo_ticket_release(t);
    is_int(lo_disk_write_sync(f, buf, BS, 3 * BS), LO_OK, "fail-nth: write 4 ok again");
    lo_disk_flush_sync(f);
    unsigned char *back = lo_disk_buffer_alloc(BS);
    lo_disk_read_sync(inner, back, BS, 2 * BS);
    ok(back[0] == 0 && back[BS - 1] == 0, "fail-nth: the failed write wrote nothing");
    struct lo_fault_stats st;
    lo_fault_disk_stats(f, &st);
    is_uint(st.failed, 1, "fail-nth: one operation failed");
    lo_disk_close(f);

    f = wrap(inner, (struct lo_fault_config){ .fail_op = 2, .fail_sticky = true });
    is_int(lo_disk_read_sync(f, buf, BS, 0), LO_OK, "sticky: op 1 ok");
    is_int(lo_disk_read_sync(f, buf, BS, 0), LO_EIO, "sticky: op 2 fails");
    is_int(lo_disk_flush_sync(f), LO_EIO, "sticky: op 3 fails too");
    is_int(lo_disk_write_sync(f, buf, BS, 0), LO_EIO, "sticky: and op 4");
    lo_disk_close(f);

    f = wrap(inner, (struct lo_fault_config){ .fail_op = 1, .fail_kinds = LO_FAULT_FLUSH });
    is_int(lo_disk_write_sync(f, buf, BS, 0), LO_OK, "flush-fail: write ok");
    is_int(lo_disk_flush_sync(f), LO_EIO, "flush-fail: the first flush fails");
    lo_disk_close(f);
    lo_disk_close(inner);
    lo_disk_buffer_free(buf);
    lo_disk_buffer_free(back);
}

static void check_read_your_writes(void)
{
    lo_disk *inner = ram();
    lo_disk *f = wrap(inner, (struct lo_fault_config){ .seed = 1 });
    unsigned char *w = lo_disk_buffer_alloc(4 * BS), *r = lo_disk_buffer_alloc(8 * BS);
    fill_pattern(w, 4 * BS, 5);
    lo_disk_write_sync(f, w, 4 * BS, 4 * BS);
    lo_disk_read_sync(f, r, 8 * BS, 0);
    is_mem(r + 4 * BS, w, 4 * BS, "cache: an unflushed write is visible to reads");
    lo_disk_read_sync(inner, r, 4 * BS, 4 * BS);
    ok(r[0] == 0 && r[4 * BS - 1] == 0, "cache: but not yet on the inner disk");
    lo_disk_flush_sync(f);
    lo_disk_read_sync(inner, r, 4 * BS, 4 * BS);
    is_mem(r, w, 4 * BS, "cache: after flush it is on the inner disk");
    lo_disk_close(f);
    lo_disk_close(inner);
    lo_disk_buffer_free(w);
    lo_disk_buffer_free(r);
}

/*
 * A power-loss scenario: a flushed base image, then unflushed writes of 8
 * blocks each at distinct places (so each one's fate can be read off the
 * disk), a few of them overlapping a previous one, then power loss.
 */
enum { WRITES = 40, SPAN = 8 };

struct scenario {
    _Alignas(4096) unsigned char image[BLOCKS * BS]; /* inner disk after power loss */
    int fate[WRITES];                   /* blocks of write i that landed */
    struct lo_fault_stats stats;
    int bad_blocks;                     /* blocks matching no allowed content */
    int flushed_lost;                   /* flushed blocks that changed */
};

static void base_block(unsigned char *b, unsigned block)
{
    fill_pattern(b, BS, 1000 + block);
}

static void write_block_pattern(unsigned char *b, unsigned w, unsigned k)
{
    fill_pattern(b, BS, 5000 + w * SPAN + k);
}

static void run_scenario(uint64_t seed, struct scenario *s)
{
    lo_disk *inner = ram();
    lo_disk *f = wrap(inner, (struct lo_fault_config){ .seed = seed });
    unsigned char *buf = lo_disk_buffer_alloc(SPAN * BS);
    for (unsigned b = 0; b < BLOCKS; b++) {
        base_block(buf, b);
        lo_disk_write_sync(f, buf, BS, (uint64_t)b * BS);
    }
    lo_disk_flush_sync(f);
    /* Write i covers blocks [i*SPAN, i*SPAN+SPAN): disjoint, 8-block aligned. */
    for (unsigned i = 0; i < WRITES; i++) {
        for (unsigned k = 0; k < SPAN; k++)
            write_block_pattern(buf + k * BS, i, k);
        lo_disk_write_sync(f, buf, SPAN * BS, (uint64_t)i * SPAN * BS);
    }
    is_int(lo_fault_disk_lose_power(f), LO_OK, "seed %llu: power lost",
           (unsigned long long)seed);
    lo_fault_disk_stats(f, &s->stats);
    if (lo_disk_read_sync(inner, s->image, sizeof s->image, 0) != LO_OK)
        bail_out("cannot read the inner disk back");

    s->bad_blocks = s->flushed_lost = 0;
    unsigned char want[BS];
    for (unsigned i = 0; i < WRITES; i++) {
        s->fate[i] = 0;
        for (unsigned k = 0; k < SPAN; k++) {
            unsigned char *got = s->image + (i * SPAN + k) * BS;
            write_block_pattern(want, i, k);
            if (!memcmp(got, want, BS)) {
                s->fate[i]++;
                continue;
            }
            base_block(want, i * SPAN + k);
            if (memcmp(got, want, BS))
                s->bad_blocks++;
        }
    }
    for (unsigned b = WRITES * SPAN; b < BLOCKS; b++) {
        base_block(want, b);
        if (memcmp(s->image + b * BS, want, BS))
            s->flushed_lost++;
    }
    lo_disk_close(f);
    lo_disk_close(inner);
    lo_disk_buffer_free(buf);
}

static void check_power_loss(void)
{
    static struct scenario a, b, c;
    int all = 0, none = 0, partial = 0, bad = 0, lost = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        run_scenario(seed, &a);
        bad += a.bad_blocks;
        lost += a.flushed_lost;
        for (int i = 0; i < WRITES; i++) {
            if (a.fate[i] == SPAN) all++;
            else if (a.fate[i] == 0) none++;
            else partial++;
        }
    }
    is_int(bad, 0, "power loss: every block is its flushed or an unflushed version");
    is_int(lost, 0, "power loss: every flushed block survived");
    ok(all > 0 && none > 0 && partial > 0,
       "power loss: writes were kept (%d), dropped (%d) and torn (%d)",
       all, none, partial);

    run_scenario(42, &b);
    run_scenario(42, &c);
    ok(!memcmp(b.image, c.image, sizeof b.image),
       "power loss: the same seed gives the same disk, byte for byte");
    is_uint(b.stats.kept + b.stats.dropped + b.stats.torn, WRITES,
            "power loss: each unflushed write was settled once");
    run_scenario(43, &c);
    ok(memcmp(b.image, c.image, sizeof b.image) != 0,
       "power loss: another seed gives another outcome");
}

static void check_power_loss_at_nth_write(void)
{
    lo_disk *inner = ram();
    lo_disk *f = wrap(inner, (struct lo_fault_config){
        .seed = 7, .power_loss_write = 5 });
    unsigned char *buf = lo_disk_buffer_alloc(BS);
    for (unsigned i = 1; i <= 4; i++) {
        memset(buf, (int)i, BS);
        is_int(lo_disk_write_sync(f, buf, BS, (uint64_t)i * BS), LO_OK,
               "nth-write: write %u ok", i);
        if (i == 2)
            lo_disk_flush_sync(f);
    }
    memset(buf, 5, BS);
    is_int(lo_disk_write_sync(f, buf, BS, 5 * BS), LO_EPOWER,
           "nth-write: write 5 meets the power loss");
    is_int(lo_disk_read_sync(f, buf, BS, 0), LO_EPOWER, "nth-write: reads now fail");
    is_int(lo_disk_flush_sync(f), LO_EPOWER, "nth-write: flushes now fail");
    struct lo_fault_stats st;
    lo_fault_disk_stats(f, &st);
    ok(st.power_lost, "nth-write: stats say power is lost");
    is_uint(st.kept + st.dropped + st.torn, 3,
            "nth-write: writes 3, 4 and 5 were unflushed and settled");
    lo_disk_read_sync(inner, buf, BS, 1 * BS);
    ok(buf[0] == 1, "nth-write: flushed write 1 is on the disk");
    lo_disk_read_sync(inner, buf, BS, 2 * BS);
    ok(buf[0] == 2, "nth-write: flushed write 2 is on the disk");
    lo_disk_close(f);
    lo_disk_close(inner);
    lo_disk_buffer_free(buf);
}

int main(void)
{
    lo_disk *inner = ram();
    lo_disk *f = wrap(inner, (struct lo_fault_config){ .seed = 99 });
    disk_conformance(f, "fault(ram)");
    lo_disk_close(f);
    lo_disk_close(inner);

    /* Completions arriving late and out of order (flushes in order). */
    inner = ram();
    f = wrap(inner, (struct lo_fault_config){ .seed = 5, .async_ns = 20000 });
    disk_conformance(f, "fault(ram, async)");
    lo_disk_close(f);
    lo_disk_close(inner);

    check_fail_nth();
    check_read_your_writes();
    check_power_loss();
    check_power_loss_at_nth_write();
    return done_testing();
}
