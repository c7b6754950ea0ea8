/*
 * platform.c -- the hosted platform layer (drivers/posix/platform.c).
 *
 * Fixed-address reservation works, and fails cleanly (LO_EBUSY, nothing
 * clobbered) when the range is taken; protection and fault hooks; memory
 * for bookkeeping; threads, mutexes, condition variables; the clock;
 * host files read whole (LOAD's way in).
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "drivers/platform.h"
#include "tests/tap.h"

/* Where the store's region goes: 2^45, inside the range AddressSanitizer
 * leaves to the program ("HighMem", 0x10007fff8000 and up), so the same
 * address works in SANITIZE=1 builds (2^44 falls in ASan's shadow
 * memory); 2^38 in TSAN=1 builds (ckpt/ckpt.h). */
#define REGION LO_CKPT_BASE
#define REGION_LEN ((size_t)64 << 20)

static void check_reservation(void)
{
    is_int(lo_vm_reserve_fixed(REGION, REGION_LEN), LO_OK,
           "reserve 64 MiB at the region's address");
    is_int(lo_vm_reserve_fixed(REGION + 4096, 4096), LO_EBUSY,
           "reserving inside a taken range fails with LO_EBUSY");
    is_int(lo_vm_protect(REGION, 2 * 4096, LO_PROT_RW), LO_OK, "make 2 pages writable");
    volatile unsigned char *p = (unsigned char *)REGION;
    p[0] = 42;
    p[4096] = 43;
    ok(p[0] == 42 && p[4096] == 43, "the reservation is usable at its fixed address");
    is_int(lo_vm_discard(REGION, 4096), LO_OK, "discard a page");
    ok(p[0] == 0 && p[4096] == 43, "a discarded page reads as zeros, its neighbour is kept");
    is_int(lo_vm_release(REGION, REGION_LEN), LO_OK, "release");
    is_int(lo_vm_reserve_fixed(REGION, REGION_LEN), LO_OK, "reserve again after release");
    lo_vm_release(REGION, REGION_LEN);

    /* Someone else's mapping in the way: we fail and it stays intact. */
    unsigned char *other = mmap((void *)(REGION + REGION_LEN / 2), 4096,
                                PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    other[0] = 99;
    is_int(lo_vm_reserve_fixed(REGION, REGION_LEN), LO_EBUSY,
           "reserving over a foreign mapping fails with LO_EBUSY");
    ok(other[0] == 99, "the foreign mapping is untouched");
    munmap(other, 4096);

    is_int(lo_vm_reserve_fixed(REGION + 1, 4096), LO_EALIGN, "misaligned address rejected");
    is_int(lo_vm_reserve_fixed(REGION, 100), LO_EALIGN, "misaligned length rejected");
    is_int(lo_page_size(), 4096, "page size");
}

/* The hook makes the page writable and counts what it saw. */
static atomic_int faults, write_faults;

static bool unprotect_hook(void *ctx, uintptr_t addr, bool is_write)
{
    (void)ctx;
    atomic_fetch_add(&faults, 1);
    if (is_write)
        atomic_fetch_add(&write_faults, 1);
    uintptr_t page = addr & ~(uintptr_t)4095;
    return lo_vm_protect(page, 4096, is_write ? LO_PROT_RW : LO_PROT_READ) == LO_OK;
}

static void check_fault_hooks(void)
{
    lo_vm_reserve_fixed(REGION, REGION_LEN);
    is_int(lo_fault_hook_install(REGION, REGION_LEN, unprotect_hook, NULL), LO_OK,
           "install a fault hook");
    volatile unsigned char *p = (unsigned char *)REGION;
    unsigned char v = p[8192];                 /* read fault */
    ok(v == 0 && faults == 1 && write_faults == 0, "a read fault reaches the hook as a read");
    p[8192] = 5;                                /* write fault on a read-only page */
    ok(p[8192] == 5 && faults == 2 && write_faults == 1,
       "a write fault reaches the hook as a write, and the write lands");
    p[8193] = 6;
    is_int(faults, 2, "no fault once the page is writable");
    is_int(lo_fault_hook_remove(REGION), LO_OK, "remove the hook");
    is_int(lo_fault_hook_remove(REGION), LO_ENOENT, "removing twice: LO_ENOENT");
    lo_vm_release(REGION, REGION_LEN);
}

static void check_memory(void)
{
    unsigned char *a = lo_mem_alloc(1000);
    ok(a && a[0] == 0 && a[999] == 0, "lo_mem_alloc gives zeroed memory");
    lo_mem_free(a);
    unsigned char *b = lo_mem_alloc_aligned(100, 4096);
    ok(b && ((uintptr_t)b & 4095) == 0, "aligned allocation is aligned");
    lo_mem_free(b);
    unsigned char *c = lo_mem_alloc_aligned((size_t)1 << 30, 1 << 20);
    ok(c && ((uintptr_t)c & ((1 << 20) - 1)) == 0 && c[(1 << 30) - 1] == 0,
       "a 1 GiB block is aligned and zeroed (lazily)");
    lo_mem_free(c);
    ok(lo_mem_alloc_aligned(10, 3000) == NULL, "a non-power-of-two alignment is refused");
    lo_mem_free(NULL);
}

struct counter {
    lo_mutex lock;
    lo_cond changed;
    long value;
    int finished;
};

static void count_up(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < 100000; i++) {
        lo_mutex_lock(&c->lock);
        c->value++;
        lo_mutex_unlock(&c->lock);
    }
    lo_mutex_lock(&c->lock);
    c->finished++;
    lo_cond_broadcast(&c->changed);
    lo_mutex_unlock(&c->lock);
}

static void check_threads(void)
{
    struct counter c = { .value = 0 };
    lo_mutex_init(&c.lock);
    lo_cond_init(&c.changed);
    lo_thread t[4];
    for (int i = 0; i < 4; i++)
        is_int(lo_thread_start(&t[i], count_up, &c), LO_OK, "start thread %d", i);
    lo_mutex_lock(&c.lock);
    while (c.finished < 4)
        lo_cond_wait(&c.changed, &c.lock);
    lo_mutex_unlock(&c.lock);
    for (int i = 0; i < 4; i++)
        lo_thread_join(&t[i]);
    is_int(c.value, 400000, "4 threads x 100000 locked increments");

    uint64_t before = lo_clock_ns();
    lo_mutex_lock(&c.lock);
    bool woken = lo_cond_timedwait(&c.changed, &c.lock, 20 * 1000 * 1000);
    lo_mutex_unlock(&c.lock);
    uint64_t waited = lo_clock_ns() - before;
    ok(!woken && waited >= 20 * 1000 * 1000, "a timed wait times out, not early");
    ok(lo_clock_ns() >= before, "the clock is monotonic");
    lo_cond_destroy(&c.changed);
    lo_mutex_destroy(&c.lock);
}

static void check_files(void)
{
    char dir[] = "/tmp/lispos-platform-XXXXXX", path[64];
    if (!mkdtemp(dir)) {
        ok(0, "a scratch directory");
        return;
    }
    snprintf(path, sizeof path, "%s/f.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("(+ 1 2)\n", f);
    fclose(f);
    char *buf = (char *)1;
    size_t len = 99;
    is_int(lo_file_read_all(path, 1 << 20, &buf, &len), LO_OK, "read a file");
    ok(buf && len == 8 && !memcmp(buf, "(+ 1 2)\n", 8) && buf[8] == '\0',
       "its bytes, then a NUL");
    lo_mem_free(buf);
    is_int(lo_file_read_all(path, 7, &buf, &len), LO_ERANGE,
           "a file larger than the limit is refused");
    ok(buf == NULL, "and gives no buffer");
    is_int(lo_file_read_all(dir, 1 << 20, &buf, &len), LO_EINVAL,
           "a directory is not a file");
    remove(path);
    is_int(lo_file_read_all(path, 1 << 20, &buf, &len), LO_ENOENT,
           "a missing file is LO_ENOENT");
    f = fopen(path, "w");
    fclose(f);
    is_int(lo_file_read_all(path, 1 << 20, &buf, &len), LO_OK, "an empty file");
    ok(buf && len == 0 && buf[0] == '\0', "is an empty text");
    lo_mem_free(buf);
    remove(path);
    rmdir(dir);
}

int main(void)
{
    check_reservation();
    check_fault_hooks();
    check_memory();
    check_threads();
    check_files();
    return done_testing();
}
