/*
 * posix/platform.c -- drivers/platform.h for hosted Linux.
 *
 * Address space with mmap (MAP_FIXED_NOREPLACE so a reservation never
 * clobbers what is already mapped), fault hooks through SIGSEGV/SIGBUS,
 * pthreads, CLOCK_MONOTONIC, log lines on stderr.  Host disks are in
 * filedisk.c beside this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "drivers/platform.h"

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(lo_mutex), "lo_mutex size");
_Static_assert(sizeof(pthread_cond_t) <= sizeof(lo_cond), "lo_cond size");
_Static_assert(sizeof(pthread_t) <= sizeof(lo_thread), "lo_thread size");

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000   /* Linux 4.17; older libc headers */
#endif

/* ---- address space ------------------------------------------------------ */

size_t lo_page_size(void)
{
    static size_t page;
    if (!page)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

static bool page_aligned(uintptr_t addr, size_t len)
{
    size_t page = lo_page_size();
    return addr % page == 0 && len % page == 0 && len != 0;
}

int lo_vm_reserve_fixed(uintptr_t addr, size_t len)
{
    if (!page_aligned(addr, len))
        return LO_EALIGN;
    void *want = (void *)addr;
    void *got = mmap(want, len, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                     MAP_FIXED_NOREPLACE, -1, 0);
    if (got == MAP_FAILED)
        return errno == EEXIST ? LO_EBUSY
             : errno == ENOMEM ? LO_ENOMEM : LO_EINVAL;
    if (got != want) {
        /* A kernel without MAP_FIXED_NOREPLACE treats it as a hint. */
        munmap(got, len);
        return LO_EBUSY;
    }
    return LO_OK;
}

int lo_vm_release(uintptr_t addr, size_t len)
{
    if (!page_aligned(addr, len))
        return LO_EALIGN;
    return munmap((void *)addr, len) == 0 ? LO_OK : LO_EINVAL;
}

int lo_vm_protect(uintptr_t addr, size_t len, enum lo_prot prot)
{
    if (!page_aligned(addr, len))
        return LO_EALIGN;
    int p = prot == LO_PROT_RW ? PROT_READ | PROT_WRITE
          : prot == LO_PROT_READ ? PROT_READ : PROT_NONE;
    if (mprotect((void *)addr, len, p) != 0)
        return errno == ENOMEM ? LO_ENOMEM : LO_EINVAL;
    return LO_OK;
}

/* ---- fault hooks --------------------------------------------------------- */

enum { MAX_HOOKS = 8 };

static struct hook_slot {
    _Atomic uintptr_t start;     /* 0 = free */
    size_t len;
    lo_fault_hook hook;
    void *ctx;
} hooks[MAX_HOOKS];

static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER;
static bool handlers_installed;
static struct sigaction previous_segv, previous_bus;

static bool fault_is_write(void *uc_void)
{
#if defined(__x86_64__)
    ucontext_t *uc = uc_void;
    return (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
    (void)uc_void;
    return true;            /* conservative: treat unknown faults as writes */
#endif
}

static void fault_handler(int sig, siginfo_t *info, void *uc)
{
    uintptr_t addr = (uintptr_t)info->si_addr;
    for (int i = 0; i < MAX_HOOKS; i++) {
        uintptr_t start = atomic_load(&hooks[i].start);
        if (start && addr >= start && addr - start < hooks[i].len) {
            if (hooks[i].hook(hooks[i].ctx, addr, fault_is_write(uc)))
                return;
            break;
        }
    }
    /* Not ours, or a hook refused it: die the way the process would have. */
    static const char msg[] = "lispos: unhandled memory fault\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    sigaction(sig, sig == SIGSEGV ? &previous_segv : &previous_bus, NULL);
    if (sig == SIGSEGV ? previous_segv.sa_handler == SIG_IGN
                       : previous_bus.sa_handler == SIG_IGN)
        signal(sig, SIG_DFL);
}

/* A forked child has no tracked ranges (vmtrack.c unmaps them): its
 * copies of the hooks must not try to serve them. */
static void clear_hooks_after_fork(void)
{
    for (int i = 0; i < MAX_HOOKS; i++)
        atomic_store(&hooks[i].start, 0);
}

static void install_handlers(void)
{
    pthread_atfork(NULL, NULL, clear_hooks_after_fork);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
    sigaction(SIGBUS, &sa, &previous_bus);
    handlers_installed = true;
}

int lo_fault_hook_install(uintptr_t start, size_t len, lo_fault_hook hook,
                          void *ctx)
{
    if (!start || !len || !hook)
        return LO_EINVAL;
    int status = LO_EBUSY;
    pthread_mutex_lock(&hooks_lock);
    if (!handlers_installed)
        install_handlers();
    for (int i = 0; i < MAX_HOOKS; i++) {
        if (atomic_load(&hooks[i].start) == 0) {
            hooks[i].len = len;
            hooks[i].hook = hook;
            hooks[i].ctx = ctx;
            atomic_store(&hooks[i].start, start);   /* publish last */
            status = LO_OK;
            break;
        }
    }
    pthread_mutex_unlock(&hooks_lock);
    return status;
}

int lo_fault_hook_remove(uintptr_t start)
{
    int status = LO_ENOENT;
    pthread_mutex_lock(&hooks_lock);
    for (int i = 0; i < MAX_HOOKS; i++) {
        if (atomic_load(&hooks[i].start) == start) {
            atomic_store(&hooks[i].start, 0);
            status = LO_OK;
            break;
        }
    }
    pthread_mutex_unlock(&hooks_lock);
    return status;
}

/* ---- memory for bookkeeping -------------------------------------------- */

/*
 * Every block carries a small header just before the pointer handed out, so
 * lo_mem_free knows how it was obtained.  Large blocks come from mmap so
 * that they are zero-filled lazily (a RAM disk of gigabytes costs only the
 * pages it touches).
 */
struct mem_header {
    void *base;             /* what malloc or mmap returned */
    size_t total;           /* mmap length, 0 for malloc */
};

enum { MMAP_THRESHOLD = 1 << 20 };

void *lo_mem_alloc_aligned(size_t size, size_t align)
{
    if (align < _Alignof(max_align_t))
        align = _Alignof(max_align_t);
    if (align & (align - 1))
        return NULL;
    size_t extra = align + sizeof(struct mem_header);
    if (size > SIZE_MAX - extra)
        return NULL;
    size_t total = size + extra;
    void *base;
    bool mapped = total >= MMAP_THRESHOLD;
    if (mapped) {
        base = mmap(NULL, total, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED)
            return NULL;
    } else {
        base = malloc(total);
        if (!base)
            return NULL;
    }
    uintptr_t user = ((uintptr_t)base + sizeof(struct mem_header) + align - 1)
                     & ~(uintptr_t)(align - 1);
    struct mem_header *h = (struct mem_header *)user - 1;
    h->base = base;
    h->total = mapped ? total : 0;
    if (!mapped)
        memset((void *)user, 0, size);
    return (void *)user;
}

void *lo_mem_alloc(size_t size)
{
    return lo_mem_alloc_aligned(size, _Alignof(max_align_t));
}

void lo_mem_free(void *ptr)
{
    if (!ptr)
        return;
    struct mem_header *h = (struct mem_header *)ptr - 1;
    if (h->total)
        munmap(h->base, h->total);
    else
        free(h->base);
}

/* ---- threads ------------------------------------------------------------- */

struct thread_start {
    lo_thread_fn fn;
    void *arg;
};

static void *thread_trampoline(void *p)
{
    struct thread_start start = *(struct thread_start *)p;
    free(p);
    start.fn(start.arg);
    return NULL;
}

int lo_thread_start(lo_thread *thread, lo_thread_fn fn, void *arg)
{
    struct thread_start *start = malloc(sizeof *start);
    if (!start)
        return LO_ENOMEM;
    start->fn = fn;
    start->arg = arg;
    int rc = pthread_create((pthread_t *)thread->opaque, NULL,
                            thread_trampoline, start);
    if (rc != 0) {
        free(start);
        return rc == EAGAIN ? LO_ENOMEM : LO_EINVAL;
    }
    return LO_OK;
}

int lo_thread_join(lo_thread *thread)
{
    return pthread_join(*(pthread_t *)thread->opaque, NULL) == 0 ? LO_OK
                                                                  : LO_EINVAL;
}

void lo_thread_yield(void)
{
    sched_yield();
}

static void check(int rc, const char *what)
{
    if (rc != 0)
        lo_panic("%s failed: %s", what, strerror(rc));
}

void lo_mutex_init(lo_mutex *m)
{
    check(pthread_mutex_init((pthread_mutex_t *)m->opaque, NULL),
          "pthread_mutex_init");
}

void lo_mutex_destroy(lo_mutex *m)
{
    pthread_mutex_destroy((pthread_mutex_t *)m->opaque);
}

void lo_mutex_lock(lo_mutex *m)
{
    check(pthread_mutex_lock((pthread_mutex_t *)m->opaque),
          "pthread_mutex_lock");
}

void lo_mutex_unlock(lo_mutex *m)
{
    check(pthread_mutex_unlock((pthread_mutex_t *)m->opaque),
          "pthread_mutex_unlock");
}

void lo_cond_init(lo_cond *c)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    check(pthread_cond_init((pthread_cond_t *)c->opaque, &attr),
          "pthread_cond_init");
    pthread_condattr_destroy(&attr);
}

void lo_cond_destroy(lo_cond *c)
{
    pthread_cond_destroy((pthread_cond_t *)c->opaque);
}

void lo_cond_wait(lo_cond *c, lo_mutex *m)
{
    check(pthread_cond_wait((pthread_cond_t *)c->opaque,
                            (pthread_mutex_t *)m->opaque),
          "pthread_cond_wait");
}

bool lo_cond_timedwait(lo_cond *c, lo_mutex *m, uint64_t timeout_ns)
{
    uint64_t deadline = lo_clock_ns() + timeout_ns;
    struct timespec ts = { (time_t)(deadline / 1000000000u),
                           (long)(deadline % 1000000000u) };
    int rc = pthread_cond_timedwait((pthread_cond_t *)c->opaque,
                                    (pthread_mutex_t *)m->opaque, &ts);
    if (rc == ETIMEDOUT)
        return false;
    check(rc, "pthread_cond_timedwait");
    return true;
}

void lo_cond_signal(lo_cond *c)
{
    pthread_cond_signal((pthread_cond_t *)c->opaque);
}

void lo_cond_broadcast(lo_cond *c)
{
    pthread_cond_broadcast((pthread_cond_t *)c->opaque);
}

/* ---- time, logging, halt -------------------------------------------------- */

uint64_t lo_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t lo_clock_wall_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* LISPOS_LOG=debug|info|warn|error|off sets the threshold; default info
 * (lo_host_log_level changes it). */
static const char *const level_names[] = { "debug", "info", "warn", "error",
                                           "off" };
static _Atomic int threshold = -1;
static _Atomic int log_fd = 2;      /* a file's (lo_host_log_to) or stderr */

bool lo_host_log_level(const char *name)
{
    for (int i = 0; i <= LO_LOG_ERROR + 1; i++)
        if (!strcmp(name, level_names[i])) {
            threshold = i;
            return true;
        }
    return false;
}

static enum lo_log_level log_threshold(void)
{
    if (threshold < 0) {
        const char *env = getenv("LISPOS_LOG");
        if (!env || !lo_host_log_level(env))
            threshold = LO_LOG_INFO;
    }
    return (enum lo_log_level)threshold;
}

bool lo_host_log_to(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    int old = atomic_exchange(&log_fd, fd);
    if (old != 2)
        close(old);
    return true;
}

bool lo_log_enabled(enum lo_log_level level)
{
    return level >= log_threshold();
}

void lo_log_write(enum lo_log_level level, const char *line)
{
    char buf[1240], when[32] = "";
    int fd = log_fd;
    if (fd != 2) {                  /* a file: when, as a terminal does not */
        time_t now = time(NULL);
        struct tm utc;
        gmtime_r(&now, &utc);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ ", &utc);
    }
    int n = snprintf(buf, sizeof buf, "%slispos %s: %s\n", when,
                     level_names[level], line);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    ssize_t ignored = write(fd, buf, (size_t)n);  /* one write: lines stay whole */
    (void)ignored;
}

_Noreturn void lo_halt(const char *line)
{
    lo_log_write(LO_LOG_ERROR, line);
    abort();
}
