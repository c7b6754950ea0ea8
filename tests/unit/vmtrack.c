/*
 * vmtrack.c -- tracked ranges (platform.h): missing pages filled by the
 * hook, write faults on protected pages, discard making pages missing again,
 * thousands of scattered protected pages (the case mprotect cannot handle),
 * and what a system call does when it writes into a protected page.
 * vmtrack_mprotect.t runs the same program with LISPOS_VM=mprotect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "drivers/platform.h"
#include "tests/tap.h"

#define BASE LO_CKPT_BASE           /* where the store's region goes */
#define PAGES 131072u                       /* 512 MiB */
#define PAGE 4096u

static volatile unsigned char present[PAGES];   /* the hook's view: volatile, since
                                                * a signal handler reads it */
static atomic_int missing_faults, write_faults;

static void pattern(unsigned char *buf, unsigned page)
{
    for (unsigned i = 0; i < PAGE; i++)
        buf[i] = (unsigned char)(page + i / 512);
}

static bool hook(void *ctx, uintptr_t addr, bool is_write)
{
    (void)ctx;
    unsigned page = (unsigned)((addr - BASE) / PAGE);
    uintptr_t page_addr = BASE + (uintptr_t)page * PAGE;
    if (!present[page]) {
        static unsigned char buf[PAGE] __attribute__((aligned(PAGE)));
        pattern(buf, page);
        atomic_fetch_add(&missing_faults, 1);
        present[page] = 1;
        return lo_vm_install(page_addr, buf, false) == LO_OK;
    }
    if (!is_write)
        return false;
    atomic_fetch_add(&write_faults, 1);
    return lo_vm_write_protect(page_addr, PAGE, false) == LO_OK;
}

static volatile unsigned char *page_ptr(unsigned page)
{
    return (volatile unsigned char *)(BASE + (uintptr_t)page * PAGE);
}

int main(void)
{
    const char *mech = lo_vm_track_mechanism();
    diag("mechanism: %s", mech);
    bool uffd = !strcmp(mech, "userfaultfd");
    if (getenv("LISPOS_VM") && !strcmp(getenv("LISPOS_VM"), "mprotect"))
        ok(!uffd, "LISPOS_VM=mprotect selects the fallback");
    else
        ok(uffd, "userfaultfd is the mechanism here");

    if (lo_vm_reserve_fixed(BASE, (size_t)PAGES * PAGE) != LO_OK)
        bail_out("cannot reserve the region");
    is_int(lo_vm_track(BASE, (size_t)PAGES * PAGE), LO_OK, "track 512 MiB");
    is_int(lo_fault_hook_install(BASE, (size_t)PAGES * PAGE, hook, NULL), LO_OK,
           "install the hook");

    unsigned char v = page_ptr(5)[600];
    ok(v == (unsigned char)(5 + 1) && missing_faults == 1 && write_faults == 0,
       "reading a missing page: one fault, the hook's contents");
    page_ptr(5)[0] = 77;
    ok(page_ptr(5)[0] == 77 && write_faults == 1,
       "writing an installed (protected) page: a write fault, then the write");
    page_ptr(5)[1] = 78;
    is_int(write_faults, 1, "no more faults once unprotected");

    page_ptr(9)[100] = 1;
    ok(page_ptr(9)[100] == 1 && missing_faults == 2 && write_faults == 2,
       "first access a write: installed protected, then a write fault");

    is_int(lo_vm_install(BASE + 5 * PAGE, NULL, false), LO_EBUSY,
           "installing over a present page: LO_EBUSY");
    is_int(lo_vm_write_protect(BASE + 5 * PAGE, PAGE, true), LO_OK, "protect again");
    page_ptr(5)[2] = 79;
    ok(write_faults == 3 && page_ptr(5)[2] == 79, "a re-protected page faults on write");

    is_int(lo_vm_discard(BASE + 5 * PAGE, PAGE), LO_OK, "discard");
    present[5] = 0;
    ok(page_ptr(5)[0] == 5 && missing_faults == 3,
       "a discarded page is missing again: refilled by the hook");

    /* A run of zero pages installed at once: zeros, writable (no fault
     * on writing them), and refused over a present page. */
    int faults_before = missing_faults + write_faults;
    is_int(lo_vm_install_zeros(BASE + 200 * PAGE, 100 * (size_t)PAGE, true),
           LO_OK, "install a run of 100 zero pages");
    bool zeros = true;
    for (unsigned p = 200; p < 300; p++) {
        zeros = zeros && page_ptr(p)[p % PAGE] == 0;
        page_ptr(p)[p % PAGE] = 1;
    }
    ok(zeros && missing_faults + write_faults == faults_before,
       "they read as zeros and take writes without a fault");
    is_int(lo_vm_install_zeros(BASE + 298 * PAGE, 4 * (size_t)PAGE, true),
           LO_EBUSY, "a run over present pages: LO_EBUSY");
    is_int(lo_vm_install_zeros(BASE + 300 * PAGE + 1, PAGE, true), LO_EALIGN,
           "a run not on a page boundary: LO_EALIGN");

    /* read() writing into a protected page is refused with EFAULT, never
     * lands half-way, and leaves the page as it was. */
    int fds[2];
    if (pipe(fds) != 0)
        bail_out("pipe");
    ssize_t w = write(fds[1], "abcd", 4);
    (void)w;
    unsigned char before = page_ptr(9)[0];
    lo_vm_write_protect(BASE + 9 * PAGE, PAGE, true);
    errno = 0;
    ssize_t n = read(fds[0], (void *)page_ptr(9), 4);
    ok(n == -1 && errno == EFAULT, "read() into a protected page fails with EFAULT");
    is_int(page_ptr(9)[0], before, "and the page is unchanged");
    close(fds[0]);
    close(fds[1]);

    /* Many scattered protected pages: every other page of 512 MiB. */
    unsigned want = uffd ? 60000u : 8000u, done = 0;
    int before_faults = write_faults;
    for (unsigned i = 0; i < want; i++) {
        unsigned page = 1000 + 2 * ((i * 7919u) % (PAGES / 2 - 1000));
        if (page >= PAGES || present[page])
            continue;
        page_ptr(page)[1] = 1;                  /* missing, then write */
        done++;
    }
    ok(write_faults - before_faults == (int)done && done > want * 9 / 10,
       "%u scattered pages written through write faults (%s)", done, mech);

    /* A forked child does not share the tracked range: touching it must
     * kill the child, never hand it a silent page of zeros. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* its death is expected: keep its report (or ASan's) out of the
         * test's output */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        volatile unsigned char x = page_ptr(4000)[0];
        (void)x;
        _exit(42);              /* the read went through: wrong */
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    /* It dies by SIGSEGV, or (under AddressSanitizer) ASan reports the
     * fault and exits 1; either way the read never completed. */
    ok(!(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 42),
       "a forked child touching the range dies instead of reading zeros");
    ok(page_ptr(5)[0] == 5, "and the parent's range still works");

    is_int(lo_fault_hook_remove(BASE), LO_OK, "remove the hook");
    is_int(lo_vm_untrack(BASE, (size_t)PAGES * PAGE), LO_OK, "untrack");
    lo_vm_release(BASE, (size_t)PAGES * PAGE);
    return done_testing();
}
