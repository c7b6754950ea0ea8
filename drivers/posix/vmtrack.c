/*
 * posix/vmtrack.c -- tracked ranges (platform.h) on hosted Linux.
 *
 * Primary mechanism: one userfaultfd for the process, opened in SIGBUS
 * mode.  A tracked range is made readable and writable with mprotect and
 * registered for "missing" and "write-protect" faults; such faults then
 * arrive as SIGBUS on the faulting thread, where platform.c's handler calls
 * the core's hook.  UFFDIO_COPY installs a page atomically (optionally
 * write-protected), UFFDIO_WRITEPROTECT changes protection without
 * splitting the mapping.  Measured here (tests/bench/fault_bench.c): about
 * 5.5-6.3 us per write fault, no extra mappings at any scale; mprotect costs
 * about 4.4 us but fails after ~32k scattered pages (vm.max_map_count).
 *
 * Fallback (no userfaultfd, or LISPOS_VM=mprotect): missing pages are
 * PROT_NONE, protected ones PROT_READ, faults arrive as SIGSEGV; a page is
 * installed by filling a private page elsewhere and moving it into place
 * with mremap, so other threads never see it half-filled.  Each such page
 * is a mapping of its own, so the fallback caps resident pages
 * (lo_vm_track_page_limit) well under vm.max_map_count.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "drivers/platform.h"

enum { PAGE = 4096 };

/*
 * A userfaultfd belongs to the address space that opened it: a child made
 * by fork() must open its own, so the choice is made again after a fork.
 */
static pthread_mutex_t choose_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool chosen;
static int uffd = -1;                   /* -1: use the mprotect fallback */
static const unsigned char zero_page[PAGE] __attribute__((aligned(PAGE)));
/* The source of runs of zero pages: never written, so every page of it
 * maps the kernel's one zero page, and copying from it reads one page. */
enum { ZERO_RUN_PAGES = 64 };
static const unsigned char zero_run[ZERO_RUN_PAGES * PAGE]
    __attribute__((aligned(PAGE)));

static void forget_tracked_ranges(void);
static void lock_for_fork(void);
static void unlock_after_fork(void);

/* In the child: no userfaultfd, and no tracked range either -- its pages
 * would silently read as zeros, so they are unmapped instead. */
static void forget_after_fork(void)
{
    unlock_after_fork();
    if (uffd >= 0)
        close(uffd);
    uffd = -1;
    atomic_store(&chosen, false);
    forget_tracked_ranges();
}

static void choose_mechanism(void)
{
    static bool atfork_set;
    if (!atfork_set) {
        pthread_atfork(lock_for_fork, unlock_after_fork, forget_after_fork);
        atfork_set = true;
    }
    const char *env = getenv("LISPOS_VM");
    if (env && !strcmp(env, "mprotect"))
        return;
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    struct uffdio_api api = { .api = UFFD_API,
                              .features = UFFD_FEATURE_SIGBUS };
    if (ioctl(fd, UFFDIO_API, &api) != 0 ||
        !(api.features & UFFD_FEATURE_SIGBUS)) {
        close(fd);
        return;
    }
    uffd = fd;
}

static bool use_uffd(void)
{
    if (!atomic_load_explicit(&chosen, memory_order_acquire)) {
        pthread_mutex_lock(&choose_lock);
        if (!atomic_load_explicit(&chosen, memory_order_relaxed)) {
            choose_mechanism();
            atomic_store_explicit(&chosen, true, memory_order_release);
        }
        pthread_mutex_unlock(&choose_lock);
    }
    return uffd >= 0;
}

const char *lo_vm_track_mechanism(void)
{
    return use_uffd() ? "userfaultfd" : "mprotect";
}

static bool whole_pages(uintptr_t addr, size_t len)
{
    return addr % PAGE == 0 && len % PAGE == 0 && len > 0;
}

/* Tracked ranges, so that lo_vm_discard knows what "missing" means. */
enum { MAX_TRACKED = 8 };
static struct { uintptr_t addr; size_t len; } tracked[MAX_TRACKED];
static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_tracked(uintptr_t addr)
{
    bool found = false;
    pthread_mutex_lock(&tracked_lock);
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i].len && addr - tracked[i].addr < tracked[i].len)
            found = true;
    pthread_mutex_unlock(&tracked_lock);
    return found;
}

static int remember(uintptr_t addr, size_t len)
{
    int status = LO_ENOMEM;
    pthread_mutex_lock(&tracked_lock);
    for (int i = 0; i < MAX_TRACKED && status != LO_OK; i++) {
        if (!tracked[i].len) {
            tracked[i].addr = addr;
            tracked[i].len = len;
            status = LO_OK;
        }
    }
    pthread_mutex_unlock(&tracked_lock);
    return status;
}

static void lock_for_fork(void)
{
    pthread_mutex_lock(&choose_lock);
    pthread_mutex_lock(&tracked_lock);
}

static void unlock_after_fork(void)
{
    pthread_mutex_unlock(&tracked_lock);
    pthread_mutex_unlock(&choose_lock);
}

static void forget_tracked_ranges(void)
{
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (tracked[i].len)
            munmap((void *)tracked[i].addr, tracked[i].len);
        tracked[i].len = 0;
    }
}

static void forget(uintptr_t addr)
{
    pthread_mutex_lock(&tracked_lock);
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i].len && tracked[i].addr == addr)
            tracked[i].len = 0;
    pthread_mutex_unlock(&tracked_lock);
}

int lo_vm_discard(uintptr_t addr, size_t len)
{
    if (!whole_pages(addr, len))
        return LO_EALIGN;
    /* With userfaultfd a dropped page is simply missing again.  The
     * mprotect fallback marks missing pages of a tracked range PROT_NONE --
     * before dropping them, or a reader in between would see zeros. */
    if (!use_uffd() && is_tracked(addr) &&
        mprotect((void *)addr, len, PROT_NONE) != 0)
        return LO_ENOMEM;
    if (madvise((void *)addr, len, MADV_DONTNEED) != 0)
        return LO_EINVAL;
    return LO_OK;
}

static int track_range(uintptr_t addr, size_t len)
{
    if (!use_uffd())
        return mprotect((void *)addr, len, PROT_NONE) == 0 ? LO_OK : LO_EINVAL;
    if (mprotect((void *)addr, len, PROT_READ | PROT_WRITE) != 0)
        return LO_EINVAL;
    struct uffdio_register reg = {
        .range = { addr, len },
        .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
    };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
        mprotect((void *)addr, len, PROT_NONE);
        return errno == ENOMEM ? LO_ENOMEM : LO_ENOSYS;
    }
    return LO_OK;
}

int lo_vm_track(uintptr_t addr, size_t len)
{
    if (!whole_pages(addr, len))
        return LO_EALIGN;
    int status = remember(addr, len);
    if (status == LO_OK && (status = track_range(addr, len)) != LO_OK)
        forget(addr);
    return status;
}

int lo_vm_untrack(uintptr_t addr, size_t len)
{
    if (!whole_pages(addr, len))
        return LO_EALIGN;
    forget(addr);
    if (use_uffd()) {
        struct uffdio_range range = { addr, len };
        if (ioctl(uffd, UFFDIO_UNREGISTER, &range) != 0)
            return LO_EINVAL;
    }
    return LO_OK;
}

static int install_uffd(uintptr_t page, const void *src, bool writable)
{
    struct uffdio_copy copy = {
        .dst = page, .src = (uintptr_t)(src ? src : zero_page), .len = PAGE,
        .mode = writable ? 0 : UFFDIO_COPY_MODE_WP,
    };
    for (;;) {
        if (ioctl(uffd, UFFDIO_COPY, &copy) == 0)
            return LO_OK;
        if (errno == EEXIST)
            return LO_EBUSY;
        if (errno != EAGAIN)
            return errno == ENOMEM ? LO_ENOMEM : LO_EINVAL;
        copy.copy = 0;      /* the mapping changed under us: try again */
    }
}

static int install_mprotect(uintptr_t page, const void *src, bool writable)
{
    unsigned char resident = 0;
    if (mincore((void *)page, PAGE, &resident) == 0 && (resident & 1))
        return LO_EBUSY;            /* callers serialize installs */
    unsigned char *fresh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fresh == MAP_FAILED)
        return LO_ENOMEM;
    /* Write it even when it is zeros: an untouched page would not count
     * as present for mincore (protect_present). */
    if (src)
        memcpy(fresh, src, PAGE);
    else
        memset(fresh, 0, PAGE);
    if (!writable)
        mprotect(fresh, PAGE, PROT_READ);
    void *moved = mremap(fresh, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                         (void *)page);
    if (moved == MAP_FAILED) {
        munmap(fresh, PAGE);
        return LO_ENOMEM;
    }
    return LO_OK;
}

int lo_vm_install(uintptr_t page_addr, const void *src, bool writable)
{
    if (page_addr % PAGE)
        return LO_EALIGN;
    return use_uffd() ? install_uffd(page_addr, src, writable)
                      : install_mprotect(page_addr, src, writable);
}

/* Up to ZERO_RUN_PAGES pages an ioctl; a copy cut short by a change of
 * the mapping (EAGAIN) goes on from where it stopped. */
static int install_zeros_uffd(uintptr_t addr, size_t len, bool writable)
{
    while (len > 0) {
        size_t n = len < sizeof zero_run ? len : sizeof zero_run;
        struct uffdio_copy copy = {
            .dst = addr, .src = (uintptr_t)zero_run, .len = n,
            .mode = writable ? 0 : UFFDIO_COPY_MODE_WP,
        };
        if (ioctl(uffd, UFFDIO_COPY, &copy) != 0) {
            if (errno == EEXIST)
                return LO_EBUSY;
            if (errno != EAGAIN)
                return errno == ENOMEM ? LO_ENOMEM : LO_EINVAL;
            if (copy.copy <= 0)         /* nothing done: try again */
                continue;
            n = (size_t)copy.copy;
        }
        addr += n;
        len -= n;
    }
    return LO_OK;
}

int lo_vm_install_zeros(uintptr_t addr, size_t len, bool writable)
{
    if (!whole_pages(addr, len))
        return LO_EALIGN;
    if (use_uffd())
        return install_zeros_uffd(addr, len, writable);
    for (size_t at = 0; at < len; at += PAGE) {
        int status = install_mprotect(addr + at, NULL, writable);
        if (status != LO_OK)
            return status;
    }
    return LO_OK;
}

int lo_vm_write_protect(uintptr_t addr, size_t len, bool protect)
{
    if (!whole_pages(addr, len))
        return LO_EALIGN;
    if (!use_uffd())                    /* the caller knows they are present */
        return mprotect((void *)addr, len,
                        protect ? PROT_READ : PROT_READ | PROT_WRITE) == 0
            ? LO_OK : LO_ENOMEM;
    struct uffdio_writeprotect wp = {
        .range = { addr, len },
        .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };
    while (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) != 0) {
        if (errno != EAGAIN)
            return LO_EINVAL;
    }
    return LO_OK;
}

bool lo_vm_protect_skips_missing(void)
{
    return use_uffd();
}

uint64_t lo_vm_track_page_limit(void)
{
    /* Each installed page is a mapping of its own; keep well under
     * vm.max_map_count (65,530 by default). */
    return use_uffd() ? 0 : 16384;
}
