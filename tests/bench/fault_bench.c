/*
 * fault_bench.c -- what a write fault costs on this machine, by mechanism.
 *
 *   fault_bench [PAGES]
 *
 * The numbers that chose ckpt's fault mechanism (docs/ckpt.md).  For each
 * mechanism, PAGES resident, write-protected pages get their first write,
 * once in address order and once scattered (a random permutation of every
 * other page, so no two neighbours merge back into one mapping):
 *   mprotect   PROT_READ pages, SIGSEGV handler mprotects the page RW
 *   uffd-wp    userfaultfd write-protect in SIGBUS mode: the faulting
 *              thread's handler lifts the protection with UFFDIO_WRITEPROTECT
 *   uffd-missing  first touch of a missing page: the SIGBUS handler
 *              installs it with UFFDIO_COPY (demand paging from memory)
 * and counts the mappings (/proc/self/maps lines) left behind.  Prints
 * "bench fault-NAME us=... maps=..." lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul

static unsigned char *region;
static size_t region_len;
static int uffd = -1;
static unsigned char zero_page[PAGE] __attribute__((aligned(PAGE)));

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static sigjmp_buf bail;
static volatile size_t touched;
static volatile int mprotect_errno;

static void mprotect_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    uintptr_t page = (uintptr_t)si->si_addr & ~(PAGE - 1);
    if (mprotect((void *)page, PAGE, PROT_READ | PROT_WRITE) != 0) {
        mprotect_errno = errno;
        siglongjmp(bail, 1);     /* the mapping limit: stop and report */
    }
}

static void uffd_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    uintptr_t page = (uintptr_t)si->si_addr & ~(PAGE - 1);
    /* Missing page: install it; present but protected: unprotect. */
    struct uffdio_copy copy = { .dst = page, .src = (uintptr_t)zero_page,
                                .len = PAGE, .mode = 0 };
    if (ioctl(uffd, UFFDIO_COPY, &copy) == 0)
        return;
    if (errno != EEXIST)
        _exit(4);
    struct uffdio_writeprotect wp = { .range = { page, PAGE }, .mode = 0 };
    if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) != 0)
        _exit(5);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(sig, &sa, NULL);
}

static size_t *order(size_t pages, int scattered, size_t *count)
{
    size_t *o = malloc(pages * sizeof *o), n = 0;
    for (size_t i = 0; i < pages; i += scattered ? 2 : 1)
        o[n++] = i;
    if (scattered) {
        srand(7);
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1), t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
    }
    *count = n;
    return o;
}

static double touch_all(const size_t *o, size_t n)
{
    double t0 = now_us();
    for (touched = 0; touched < n; touched++)
        region[o[touched] * PAGE] = 1;
    return (now_us() - t0) / (double)n;
}

static void bench_mprotect(size_t pages, int scattered)
{
    region = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(region, 0, region_len);                /* resident */
    mprotect(region, region_len, PROT_READ);
    install(SIGSEGV, mprotect_handler);
    size_t n, *o = order(pages, scattered, &n);
    if (sigsetjmp(bail, 1) == 0) {
        double us = touch_all(o, n);
        printf("bench fault-mprotect-%s us=%.2f faults=%zu maps=%d\n",
               scattered ? "scattered" : "sequential", us, n, count_maps());
    } else {
        printf("bench fault-mprotect-%s FAILED after %zu of %zu faults: "
               "mprotect: %s (maps=%d, vm.max_map_count)\n",
               scattered ? "scattered" : "sequential", (size_t)touched, n,
               strerror(mprotect_errno), count_maps());
    }
    free(o);
    munmap(region, region_len);
    signal(SIGSEGV, SIG_DFL);
}

static int uffd_open(void)
{
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct uffdio_api api = { .api = UFFD_API,
                              .features = UFFD_FEATURE_SIGBUS };
    if (ioctl(fd, UFFDIO_API, &api) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int bench_uffd(size_t pages, int scattered, int missing)
{
    uffd = uffd_open();
    if (uffd < 0) {
        printf("bench fault-uffd unavailable: %s\n", strerror(errno));
        return -1;
    }
    region = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register reg = {
        .range = { (uintptr_t)region, region_len },
        .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
    };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
        printf("bench fault-uffd register failed: %s\n", strerror(errno));
        return -1;
    }
    install(SIGBUS, uffd_handler);
    if (!missing) {
        /* Populate every page write-protected, as ckpt's frames would be. */
        struct uffdio_copy copy = { .dst = (uintptr_t)region,
                                    .src = (uintptr_t)zero_page, .len = PAGE,
                                    .mode = UFFDIO_COPY_MODE_WP };
        for (size_t i = 0; i < pages; i++) {
            copy.dst = (uintptr_t)region + i * PAGE;
            if (ioctl(uffd, UFFDIO_COPY, &copy) != 0) {
                printf("bench fault-uffd copy failed: %s\n", strerror(errno));
                return -1;
            }
        }
    }
    size_t n, *o = order(pages, scattered, &n);
    double us = touch_all(o, n);
    printf("bench fault-uffd-%s-%s us=%.2f faults=%zu maps=%d\n",
           missing ? "missing" : "wp", scattered ? "scattered" : "sequential",
           us, n, count_maps());
    free(o);
    munmap(region, region_len);
    close(uffd);
    signal(SIGBUS, SIG_DFL);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    size_t pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 65536;
    region_len = pages * PAGE;
    for (int scattered = 0; scattered <= 1; scattered++)
        bench_mprotect(pages, scattered);
    for (int scattered = 0; scattered <= 1; scattered++)
        if (bench_uffd(pages, scattered, 0) != 0)
            return 0;
    bench_uffd(pages, 0, 1);
    bench_uffd(pages, 1, 1);
    return 0;
}
