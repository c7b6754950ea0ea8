/*
 * lispos-disk -- inspect and prepare disks for LispOS.
 *
 *   lispos-disk create PATH SIZE [--block-size N]
 *   lispos-disk info PATH [--io auto|uring|sync] [--block-size N]
 *   lispos-disk scan PATH [--io auto|uring|sync] [--block-size N]
 *   lispos-disk describe PATH [--io auto|uring|sync] [--block-size N]
 *   lispos-disk --version
 *
 * A disk is a regular file or a block device, driven by the same file
 * driver the server uses (drivers/posix/filedisk.c): O_DIRECT where the
 * medium allows, io_uring where the kernel allows.  "scan" reads the whole
 * disk through the driver, which proves every block readable and shows the
 * throughput.  "describe" opens the store on the disk without writing
 * anything (ckpt/ckpt.h; the last durable snapshot) and prints the
 * version records of its heap (gc/heap.h, "Versions"), and what this
 * build would do with it: open it as it is, upgrade it, or refuse it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ckpt.h"
#include "drivers/disk.h"
#include "drivers/posix/filedisk.h"
#include "gc/heap.h"
#include "server/size_arg.h"
#include "server/version_arg.h"

static void usage(FILE *out)
{
    fputs("usage: lispos-disk create PATH SIZE [--block-size N]\n"
          "       lispos-disk info PATH [--io auto|uring|sync] [--block-size N]\n"
          "       lispos-disk scan PATH [--io auto|uring|sync] [--block-size N]\n"
          "       lispos-disk describe PATH [--io auto|uring|sync] [--block-size N]\n"
          "       lispos-disk --version | --help\n"
          "\n"
          "  create    make a disk image file of SIZE bytes (suffix K, M, G)\n"
          "  info      print the disk's size, native block size and driver\n"
          "  scan      read the whole disk and report the read throughput\n"
          "  describe  print the store on the disk: its snapshot generation\n"
          "            and pages, and its heap's system code version, object\n"
          "            layout version and the release that last opened it,\n"
          "            and whether this build opens it as it is, would\n"
          "            upgrade it in place, or refuses it (writes nothing)\n"
          "  --version print this program's release, system code version\n"
          "            and object layout version\n"
          "\n"
          "PATH is a regular file or a block device.  A block device reports\n"
          "its own size and sector size; a regular file has the size it was\n"
          "created with and the native block size given (default 4096).\n", out);
}

static int fail(const char *what, const char *path, int status)
{
    fprintf(stderr, "lispos-disk: %s %s: %s\n", what, path,
            lo_strerror(status));
    return 1;
}

static int cmd_create(const char *path, const char *size_text,
                      uint32_t block_size)
{
    uint64_t size = lo_parse_size(size_text);
    if (size == 0) {
        fprintf(stderr, "lispos-disk: bad size '%s' (e.g. 64M, 2G)\n",
                size_text);
        return 2;
    }
    struct lo_disk_open_options opt = {
        .create = true, .size_bytes = size, .block_size = block_size,
    };
    lo_disk *d;
    int status = lo_host_disk_open(path, &opt, &d);
    if (status != LO_OK)
        return fail("cannot create", path, status);
    printf("created %s: %" PRIu64 " blocks of %u bytes\n", path,
           lo_disk_size(d), lo_disk_block_size(d));
    lo_disk_close(d);
    return 0;
}

static int open_existing(const char *path, enum lo_disk_io io,
                         uint32_t block_size, lo_disk **d)
{
    struct lo_disk_open_options opt = { .io = io, .block_size = block_size };
    int status = lo_host_disk_open(path, &opt, d);
    if (status != LO_OK)
        return fail("cannot open", path, status);
    return 0;
}

static int cmd_info(const char *path, enum lo_disk_io io, uint32_t block_size)
{
    lo_disk *d;
    if (open_existing(path, io, block_size, &d))
        return 1;
    struct lo_host_disk_info info;
    lo_host_disk_info(d, &info);
    uint64_t bytes = lo_disk_size(d) * lo_disk_block_size(d);
    printf("path:        %s\n", path);
    printf("kind:        %s\n", info.block_device ? "block device"
                                                  : "regular file");
    printf("size:        %" PRIu64 " blocks (%" PRIu64 " bytes)\n",
           lo_disk_size(d), bytes);
    printf("block size:  %u\n", lo_disk_block_size(d));
    printf("O_DIRECT:    %s\n", info.direct ? "yes" : "no");
    printf("I/O path:    %s\n", info.uring ? "io_uring" : "pread/pwrite");
    lo_disk_close(d);
    return 0;
}

static int cmd_scan(const char *path, enum lo_disk_io io, uint32_t block_size)
{
    lo_disk *d;
    if (open_existing(path, io, block_size, &d))
        return 1;
    enum { CHUNK = 1 << 20, DEPTH = 8 };
    uint64_t bytes = lo_disk_size(d) * lo_disk_block_size(d);
    size_t chunk = CHUNK;
    while (chunk > lo_disk_block_size(d) && bytes % chunk)
        chunk /= 2;
    unsigned char *bufs[DEPTH];
    lo_ticket *tickets[DEPTH] = { 0 };
    for (int i = 0; i < DEPTH; i++)
        bufs[i] = lo_disk_buffer_alloc(chunk);

    uint64_t start = lo_clock_ns(), next = 0, done = 0;
    int status = LO_OK;
    while (done < bytes && status == LO_OK) {
        for (int i = 0; i < DEPTH; i++) {
            if (!tickets[i] && next < bytes) {
                tickets[i] = lo_disk_read_block(d, bufs[i], chunk, next);
                next += chunk;
            }
        }
        long i = lo_wait_some(tickets, DEPTH);
        status = lo_ticket_status(tickets[i]);
        if (status != LO_OK)
            fprintf(stderr, "lispos-disk: %s\n", lo_ticket_message(tickets[i]));
        lo_ticket_release(tickets[i]);
        tickets[i] = NULL;
        done += chunk;
    }
    lo_wait_all(tickets, DEPTH);
    for (int i = 0; i < DEPTH; i++) {
        lo_ticket_release(tickets[i]);
        lo_disk_buffer_free(bufs[i]);
    }
    double secs = (double)(lo_clock_ns() - start) / 1e9;
    if (status == LO_OK)
        printf("scan: read %" PRIu64 " bytes in %.3f s (%.1f MB/s), no errors\n",
               bytes, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
    lo_disk_close(d);
    return status == LO_OK ? 0 : 1;
}

/* The store on the disk and its heap's version records.  The store is
 * opened without formatting and closed without a snapshot: nothing is
 * written. */
/* What this build would do with the store's heap: the same read-only
 * decision an open makes (gc/heap.h, lo_heap_decide), without starting
 * the Lisp. */
static void print_decision(lo_ckpt *store)
{
    char why[1024];
    enum lo_heap_decision decision;
    struct lo_heap_versions found;
    lo_heap_decide(store, lo_lisp_system_version(), lo_lisp_release(),
                   &decision, &found, why, sizeof why);
    switch (decision) {
    case LO_HEAP_BUILD:
        printf("this build:      would build a new heap\n");
        break;
    case LO_HEAP_OPEN:
        printf("this build:      opens it as it is\n");
        break;
    case LO_HEAP_UPGRADE:
        if (found.layout != LO_LAYOUT_VERSION)
            printf("this build:      would upgrade it in place (layout %llu "
                   "to %u)\n", (unsigned long long)found.layout,
                   LO_LAYOUT_VERSION);
        else
            printf("this build:      would upgrade it in place (other "
                   "system code, the same layout)\n");
        break;
    case LO_HEAP_REFUSE:
        printf("this build:      refuses it: %s\n", why);
        break;
    }
}

static int cmd_describe(const char *path, enum lo_disk_io io,
                        uint32_t block_size)
{
    lo_disk *d;
    if (open_existing(path, io, block_size, &d))
        return 1;
    char why[256];
    struct lo_ckpt_options opt = { .create = false };
    lo_ckpt *store;
    int status = lo_ckpt_open(d, &opt, &store, why, sizeof why);
    if (status == LO_ENOENT) {
        printf("path:            %s\n", path);
        printf("store:           none (a blank disk)\n");
        lo_disk_close(d);
        return 0;
    }
    if (status != LO_OK) {
        fprintf(stderr, "lispos-disk: %s: %s\n", path, why);
        lo_disk_close(d);
        return 1;
    }
    struct lo_ckpt_stats st;
    lo_ckpt_stats(store, &st);
    printf("path:            %s\n", path);
    printf("store:           generation %" PRIu64 ", %" PRIu64 " of %" PRIu64
           " pages\n", st.generation, st.pages, st.max_pages);
    struct lo_heap_versions v;
    status = lo_heap_read_versions(store, &v);
    int rc = 0;
    if (status == LO_ENOENT) {
        printf("heap:            none yet (the first open builds it)\n");
    } else if (status != LO_OK) {
        fprintf(stderr, "lispos-disk: %s: the store does not hold a LispOS "
                "heap\n", path);
        rc = 1;
    } else {
        printf("heap:            yes\n");
        printf("system version:  %016" PRIx64 "\n", v.system);
        printf("layout version:  %" PRIu64 "\n", v.layout);
        printf("last release:    %s\n", v.release[0] ? v.release
                                                   : "unknown (not recorded)");
        print_decision(store);
    }
    lo_ckpt_close(store);
    lo_disk_close(d);
    return rc;
}

static int parse_io(const char *text, enum lo_disk_io *io)
{
    if (!strcmp(text, "auto")) *io = LO_DISK_IO_AUTO;
    else if (!strcmp(text, "uring")) *io = LO_DISK_IO_URING;
    else if (!strcmp(text, "sync")) *io = LO_DISK_IO_SYNC;
    else return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *positional[3] = { 0 };
    int npos = 0;
    enum lo_disk_io io = LO_DISK_IO_AUTO;
    uint32_t block_size = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            lo_print_version(stdout, "lispos-disk");
            return 0;
        } else if (!strcmp(a, "--io") && i + 1 < argc) {
            if (parse_io(argv[++i], &io)) {
                fprintf(stderr, "lispos-disk: --io takes auto, uring or sync\n");
                return 2;
            }
        } else if (!strcmp(a, "--block-size") && i + 1 < argc) {
            block_size = (uint32_t)lo_parse_size(argv[++i]);
            if (!block_size) {
                fprintf(stderr, "lispos-disk: bad --block-size\n");
                return 2;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lispos-disk: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (npos < 3) {
            positional[npos++] = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    const char *cmd = positional[0];
    if (cmd && !strcmp(cmd, "create") && npos == 3)
        return cmd_create(positional[1], positional[2], block_size);
    if (cmd && !strcmp(cmd, "info") && npos == 2)
        return cmd_info(positional[1], io, block_size);
    if (cmd && !strcmp(cmd, "scan") && npos == 2)
        return cmd_scan(positional[1], io, block_size);
    if (cmd && !strcmp(cmd, "describe") && npos == 2)
        return cmd_describe(positional[1], io, block_size);
    usage(stderr);
    return 2;
}
