/*
 * platform.h -- the only door from the LispOS core to the machine it runs on.
 *
 * The core (lisp/ store/ gc/ ckpt/, the ACL part of auth/ and the generic
 * part of drivers/) is freestanding: it includes only freestanding C headers,
 * string.h-level functions, and this file.  Everything that depends on an
 * operating system -- reserving address space at a fixed place, page
 * protection, fault hooks, threads, locks, a clock, log output, memory for
 * C-side bookkeeping, opening host disks -- comes through here.
 *
 * Two implementations exist (or will): hosted Linux in drivers/posix/ and
 * bare metal in drivers/x86_64/.  Keep this interface small and boring: every
 * function added here has to be written twice.
 *
 * Conventions: functions that can fail return 0 on success and a negative
 * lo_err code (drivers/error.h) on failure.
 */
#ifndef LO_PLATFORM_H
#define LO_PLATFORM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/error.h"

/* ---------------------------------------------------------------------------
 * Address space
 * ------------------------------------------------------------------------- */

/* Size of a hardware page (4096 on x86-64). */
size_t lo_page_size(void);

/* Page access for lo_vm_protect(). */
enum lo_prot {
    LO_PROT_NONE = 0,          /* any access faults */
    LO_PROT_READ = 1,          /* reads allowed, writes fault */
    LO_PROT_RW = 3,            /* reads and writes allowed */
};

/*
 * Reserve [addr, addr+len) exactly at addr, inaccessible (LO_PROT_NONE) and
 * backed by nothing until made accessible.  addr and len must be page
 * aligned.  If any part of the range is already in use the call fails with
 * LO_EBUSY and leaves the existing mappings untouched -- it never clobbers.
 */
int lo_vm_reserve_fixed(uintptr_t addr, size_t len);

/* Give a reserved range back to the host. */
int lo_vm_release(uintptr_t addr, size_t len);

/* Change access of whole pages inside a reserved range. */
int lo_vm_protect(uintptr_t addr, size_t len, enum lo_prot prot);

/*
 * Drop the contents of whole pages inside a reserved range: the next access
 * sees zeros (and costs a fresh page).  Used to evict frames.
 */
int lo_vm_discard(uintptr_t addr, size_t len);

/*
 * Fault hook.  When the core touches a page of a reserved range in a way its
 * protection forbids, the hook is called on the faulting thread with the
 * faulting address and whether the access was a write.  It returns true when
 * it has fixed the cause (typically by changing protection), and the access
 * is retried; false means the fault is a real bug and the process dies with
 * a report.  The hook runs in signal context on hosted Linux: it may only use
 * the lo_vm_* calls, atomics and lo_mutex operations that cannot deadlock
 * with the faulting thread.
 */
typedef bool (*lo_fault_hook)(void *ctx, uintptr_t addr, bool is_write);

/* Install the hook for [start, start+len).  One hook per range; up to 8. */
int lo_fault_hook_install(uintptr_t start, size_t len, lo_fault_hook hook,
                          void *ctx);
int lo_fault_hook_remove(uintptr_t start);

/* ---------------------------------------------------------------------------
 * Tracked ranges: the single-level store's view of memory (ckpt/).
 *
 * Every page of a tracked range starts missing.  Touching a missing page, or
 * writing a write-protected one, calls the range's fault hook (above) on the
 * faulting thread, which fills missing pages with lo_vm_install and lifts
 * protection with lo_vm_write_protect.  lo_vm_discard makes pages missing
 * again (eviction).  Kernel accesses (a read() into a missing or protected
 * page) do not reach the hook: they fail with EFAULT, so hosted code must
 * touch such pages from user mode first (ckpt offers that).
 *
 * Hosted Linux uses userfaultfd in SIGBUS mode: the faulting thread handles
 * its own fault and protection changes never split the mapping, so any
 * number of scattered pages can be tracked (mprotect would stop at
 * vm.max_map_count mappings).  Where userfaultfd is unavailable, or with
 * LISPOS_VM=mprotect, it falls back to mprotect.  A child made by fork()
 * loses the tracked ranges (they are unmapped in it: touching them is a
 * crash, never a silent zero page); it must open its own store.
 * ------------------------------------------------------------------------- */

/* Track [addr, addr+len), a reserved range (whole pages). */
int lo_vm_track(uintptr_t addr, size_t len);
int lo_vm_untrack(uintptr_t addr, size_t len);

/*
 * Fill the missing page at page_addr with a page of bytes from src (NULL:
 * zeros), write-protected unless writable.  Atomic for other threads: they
 * see the page missing or complete.  LO_EBUSY if the page is present.
 */
int lo_vm_install(uintptr_t page_addr, const void *src, bool writable);

/* lo_vm_install of zeros on every page of [addr, addr+len) (whole pages,
 * all missing) at once: fresh space made resident without a call per
 * page.  LO_EBUSY if a page is present (the pages before it may then be
 * installed). */
int lo_vm_install_zeros(uintptr_t addr, size_t len, bool writable);

/* Write-protect (or unprotect) pages of a tracked range.  Every page in
 * the range must be present, unless lo_vm_protect_skips_missing(). */
int lo_vm_write_protect(uintptr_t addr, size_t len, bool protect);

/* True when a write-protect range may include missing pages (they stay
 * missing) -- one call can then cover a whole span cheaply. */
bool lo_vm_protect_skips_missing(void);

/* Resident pages this mechanism can hold in one range (each page installed
 * by the mprotect fallback is a mapping of its own); 0 = no limit. */
uint64_t lo_vm_track_page_limit(void);

/* "userfaultfd" or "mprotect": how tracked ranges work in this process. */
const char *lo_vm_track_mechanism(void);

/* ---------------------------------------------------------------------------
 * Memory for C-side bookkeeping (never for Lisp objects: those live in the
 * persistent region).
 * ------------------------------------------------------------------------- */

/* Zero-filled memory; NULL when exhausted. */
void *lo_mem_alloc(size_t size);
/* Zero-filled memory aligned to align (a power of two). */
void *lo_mem_alloc_aligned(size_t size, size_t align);
/* Frees what either allocator returned; NULL is ignored. */
void lo_mem_free(void *ptr);

/* ---------------------------------------------------------------------------
 * Threads, mutexes, condition variables
 *
 * The types are opaque blocks of storage so that core structures can embed
 * them without seeing host headers; each implementation checks at compile
 * time that its native object fits.
 * ------------------------------------------------------------------------- */

typedef struct { _Alignas(16) unsigned char opaque[64]; } lo_mutex;
typedef struct { _Alignas(16) unsigned char opaque[64]; } lo_cond;
typedef struct { _Alignas(16) unsigned char opaque[16]; } lo_thread;

typedef void (*lo_thread_fn)(void *arg);

int lo_thread_start(lo_thread *thread, lo_thread_fn fn, void *arg);
int lo_thread_join(lo_thread *thread);
void lo_thread_yield(void);

void lo_mutex_init(lo_mutex *m);
void lo_mutex_destroy(lo_mutex *m);
void lo_mutex_lock(lo_mutex *m);
void lo_mutex_unlock(lo_mutex *m);

void lo_cond_init(lo_cond *c);
void lo_cond_destroy(lo_cond *c);
void lo_cond_wait(lo_cond *c, lo_mutex *m);
/* Wait at most timeout_ns; returns false on time-out. */
bool lo_cond_timedwait(lo_cond *c, lo_mutex *m, uint64_t timeout_ns);
void lo_cond_signal(lo_cond *c);
void lo_cond_broadcast(lo_cond *c);

/* ---------------------------------------------------------------------------
 * Time, logging, panic
 * ------------------------------------------------------------------------- */

/* Monotonic nanoseconds since an arbitrary origin. */
uint64_t lo_clock_ns(void);
/* The time of day: nanoseconds since 1970-01-01T00:00:00Z (what the
 * object store records changes with), 0 when the machine does not know. */
uint64_t lo_clock_wall_ns(void);

enum lo_log_level { LO_LOG_DEBUG, LO_LOG_INFO, LO_LOG_WARN, LO_LOG_ERROR };

/*
 * Log a line.  The format dialect is lo_vsnprintf's (drivers/printf.h);
 * formatting happens in the core, the platform only writes the finished line
 * (lo_log_write).  Lines below the platform's threshold are dropped.
 */
void lo_log(enum lo_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool lo_log_enabled(enum lo_log_level level);
void lo_log_write(enum lo_log_level level, const char *line);

/* Report and stop the whole system.  Never returns. */
_Noreturn void lo_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn void lo_halt(const char *line);

/*
 * LO_ASSERT(e): an invariant the code relies on (a lock held, a count in
 * range, no collection in a window).  Checked in debug and sanitizer
 * builds (LO_DEBUG defined: make SANITIZE=1, TSAN=1 or DEBUG=1), where a
 * false one panics naming the file, line and expression; absent from
 * release builds, where e is not evaluated -- so e must have no effect.
 */
#ifdef LO_DEBUG
#define LO_ASSERT(e) \
    ((e) ? (void)0 : lo_panic("%s:%d: assertion failed: %s", __FILE__, \
                              __LINE__, #e))
#else
#define LO_ASSERT(e) ((void)sizeof(!(e)))
#endif

/*
 * Non-local exits (lisp/control.c): LO_SETJMP(buf) returns 0, and again
 * 1 when LO_LONGJMP(buf) jumps back to it.  GCC's builtins save only what
 * the ABI needs and no signal mask: nothing of the C library.  Under
 * ThreadSanitizer (LO_TSAN) they are the C library's _setjmp/longjmp
 * instead, which TSan intercepts to unwind its own shadow call stack: a
 * builtin jump leaves the frames it skips on that stack, which overflows
 * after some 65,000 of them (a loop of restarts).
 */
#ifdef LO_TSAN
typedef struct { long words[25]; } lo_jmp_buf[1];   /* glibc's, x86-64 */
int _setjmp(lo_jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(lo_jmp_buf env, int value);
#define LO_SETJMP(buf) _setjmp(buf)
#define LO_LONGJMP(buf) longjmp(buf, 1)
#else
typedef void *lo_jmp_buf[5];
#define LO_SETJMP(buf) __builtin_setjmp(buf)
#define LO_LONGJMP(buf) __builtin_longjmp(buf, 1)
#endif

/* ---------------------------------------------------------------------------
 * Elementary functions of double floats
 *
 * The Lisp's SQRT EXP LOG SIN ... EXPT on floats.  Hosted Linux uses the C
 * library's libm, which is also what SBCL calls, so results agree with it
 * bit for bit; a bare-metal build brings a freestanding libm (musl's or
 * FreeBSD's msun).  Results follow C's functions exactly: a result out of
 * range is an infinity or a NaN, which the caller turns into a Lisp error.
 * ------------------------------------------------------------------------- */

enum lo_math_fn {
    LO_MATH_SQRT, LO_MATH_EXP, LO_MATH_LOG, LO_MATH_SIN, LO_MATH_COS,
    LO_MATH_TAN, LO_MATH_ASIN, LO_MATH_ACOS, LO_MATH_ATAN, LO_MATH_SINH,
    LO_MATH_COSH, LO_MATH_TANH, LO_MATH_ATAN2, LO_MATH_POW,
};

/* fn of x (ATAN2: atan2(x, y); POW: pow(x, y); y is ignored otherwise). */
double lo_math(enum lo_math_fn fn, double x, double y);

/* ---------------------------------------------------------------------------
 * Host files, read whole (the Lisp's LOAD and OPEN for input)
 *
 * LispOS's own data lives in the store; a host file is only a way in for
 * source text.  Hosted Linux reads the named file; a bare-metal build
 * has no host files and returns LO_ENOSYS, which the Lisp reports as a
 * clear FILE-ERROR.
 * ------------------------------------------------------------------------- */

/*
 * Read the whole regular file at path (a NUL-terminated host path) into
 * memory from lo_mem_alloc: *buf holds its *len bytes followed by one NUL
 * (not counted), to be released with lo_mem_free.  LO_ENOENT when there
 * is no such file, LO_EACCES when it may not be read, LO_EINVAL when it
 * is not a regular file, LO_ERANGE when it is larger than max_len bytes,
 * LO_ENOMEM, LO_EIO; *buf is NULL on failure.
 */
int lo_file_read_all(const char *path, size_t max_len, char **buf,
                     size_t *len);

/* Hosted only: log lines go to the file at path (appended to, each line
 * with the UTC time first) instead of stderr; false when it cannot be
 * opened (errno says why). */
bool lo_host_log_to(const char *path);
/* Hosted only: the threshold by name -- "debug", "info", "warn", "error"
 * or "off" (LISPOS_LOG's words); false for any other name. */
bool lo_host_log_level(const char *name);

/* ---------------------------------------------------------------------------
 * Host disks
 * ------------------------------------------------------------------------- */

struct lo_disk;

/* How the file driver talks to the kernel. */
enum lo_disk_io {
    LO_DISK_IO_AUTO = 0,       /* io_uring if it works here, else sync */
    LO_DISK_IO_URING,          /* io_uring only: fail to open otherwise */
    LO_DISK_IO_SYNC,           /* plain pread/pwrite/fdatasync */
};

struct lo_disk_open_options {
    enum lo_disk_io io;
    bool create;               /* create a regular file if it is absent */
    bool no_direct;            /* do not even try O_DIRECT */
    uint64_t size_bytes;       /* regular files: size to give (0 = current) */
    uint32_t block_size;       /* regular files: native block (0 = 4096) */
};

/*
 * Open a disk that lives on the host: a regular file or a block device.
 * Block devices report their own size and logical block size.  On success
 * *out is a disk for drivers/disk.h; close it with lo_disk_close().
 */
int lo_host_disk_open(const char *path, const struct lo_disk_open_options *opt,
                      struct lo_disk **out);

#endif
