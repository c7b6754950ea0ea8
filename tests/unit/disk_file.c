/*
 * disk_file.c -- the file/block-device driver (drivers/posix/filedisk.c).
 *
 * The conformance suite on a real file under /tmp opened with O_DIRECT,
 * through io_uring and through pread/pwrite; data surviving close and
 * reopen; sizes of regular files; the O_DIRECT fallback on tmpfs; clear
 * errors for missing and unsuitable paths; and a loop block device (size
 * and sector size from the kernel) when losetup works here.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/helpers/disk_conformance.h"
#include "drivers/posix/filedisk.h"

static char scratch[256];

static void make_scratch_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/lispos-disk-file-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch))
        bail_out("mkdtemp failed");
}

static void run_mode(enum lo_disk_io io, const char *mode)
{
    char path[300], label[64];
    snprintf(path, sizeof path, "%s/%s.img", scratch, mode);
    snprintf(label, sizeof label, "file/%s", mode);
    struct lo_disk_open_options opt = {
        .io = io, .create = true, .size_bytes = 1 << 20, .block_size = 4096,
    };
    lo_disk *d;
    int status = lo_host_disk_open(path, &opt, &d);
    is_int(status, LO_OK, "%s: create a 1 MiB file disk", label);
    if (status != LO_OK)
        return;
    struct lo_host_disk_info info;
    lo_host_disk_info(d, &info);
    ok(info.direct, "%s: opened with O_DIRECT on %s", label, scratch);
    ok(info.uring == (io == LO_DISK_IO_URING), "%s: I/O path is %s", label, mode);
    ok(!info.block_device, "%s: a regular file", label);
    is_uint(lo_disk_size(d), 256, "%s: 256 blocks", label);
    disk_conformance(d, label);

    /* Data written and flushed is there after reopening. */
    unsigned char *buf = lo_disk_buffer_alloc(65536);
    fill_pattern(buf, 65536, 77);
    lo_disk_write_sync(d, buf, 65536, 65536);
    is_int(lo_disk_flush_sync(d), LO_OK, "%s: flush", label);
    lo_disk_close(d);
    struct lo_disk_open_options again = { .io = io };
    is_int(lo_host_disk_open(path, &again, &d), LO_OK, "%s: reopen", label);
    is_uint(lo_disk_size(d), 256, "%s: size kept from the file", label);
    unsigned char *back = lo_disk_buffer_alloc(65536);
    lo_disk_read_sync(d, back, 65536, 65536);
    is_mem(back, buf, 65536, "%s: data survives close and reopen", label);
    lo_disk_close(d);
    lo_disk_buffer_free(buf);
    lo_disk_buffer_free(back);
    unlink(path);
}

static void check_open_errors(void)
{
    lo_disk *d;
    struct lo_disk_open_options none = { 0 };
    is_int(lo_host_disk_open("/nonexistent/dir/x.img", &none, &d), LO_ENOENT,
           "missing file: LO_ENOENT");
    char path[300];
    snprintf(path, sizeof path, "%s/empty.img", scratch);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    is_int(lo_host_disk_open(path, &none, &d), LO_ERANGE,
           "an empty file without a size: LO_ERANGE");
    struct lo_disk_open_options odd = { .create = true, .size_bytes = 1 << 20,
                                        .block_size = 1000 };
    is_int(lo_host_disk_open(path, &odd, &d), LO_ESIZE,
           "a block size that is not a power of two: LO_ESIZE");
    is_int(lo_host_disk_open(scratch, &none, &d), LO_EINVAL,
           "a directory is not a disk: LO_EINVAL");
    unlink(path);
}

/* tmpfs took O_DIRECT only from Linux 6.6; either way the file must work.
 * no_direct must be honoured. */
static void check_tmpfs_and_buffered(void)
{
    if (access("/dev/shm", W_OK) != 0) {
        skip(4, "/dev/shm not writable");
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "/dev/shm/lispos-test-%d.img", (int)getpid());
    struct lo_disk_open_options opt = { .create = true, .size_bytes = 1 << 20 };
    lo_disk *d;
    is_int(lo_host_disk_open(path, &opt, &d), LO_OK, "tmpfs file opens");
    struct lo_host_disk_info info = { 0 };
    lo_host_disk_info(d, &info);
    diag("tmpfs: O_DIRECT %s", info.direct ? "accepted" : "refused, fell back");
    unsigned char *buf = lo_disk_buffer_alloc(4096);
    memset(buf, 9, 4096);
    is_int(lo_disk_write_sync(d, buf, 4096, 0), LO_OK, "tmpfs: writes work");
    lo_disk_close(d);

    opt.no_direct = true;
    is_int(lo_host_disk_open(path, &opt, &d), LO_OK, "no_direct: opens");
    lo_host_disk_info(d, &info);
    ok(!info.direct, "no_direct: O_DIRECT not used");
    lo_disk_close(d);
    lo_disk_buffer_free(buf);
    unlink(path);
}

/* A loop device over a file: the kernel gives size and sector size. */
static void check_loop_device(void)
{
    char img[300], cmd[400], dev[64] = "";
    snprintf(img, sizeof img, "%s/loop.img", scratch);
    int fd = open(img, O_CREAT | O_RDWR, 0644);
    int rc = fd >= 0 ? ftruncate(fd, 4 << 20) : -1;
    if (fd >= 0)
        close(fd);
    snprintf(cmd, sizeof cmd, "losetup -f --show %s 2>/dev/null", img);
    FILE *p = rc == 0 ? popen(cmd, "r") : NULL;
    if (p) {
        if (!fgets(dev, sizeof dev, p))
            dev[0] = '\0';
        pclose(p);
    }
    dev[strcspn(dev, "\n")] = '\0';
    if (!dev[0]) {
        skip(1, "losetup does not work here (needs root and loop devices)");
        unlink(img);
        return;
    }
    diag("loop device %s", dev);
    lo_disk *d;
    struct lo_disk_open_options opt = { 0 };
    int status = lo_host_disk_open(dev, &opt, &d);
    is_int(status, LO_OK, "loop device %s opens", dev);
    if (status == LO_OK) {
        struct lo_host_disk_info info;
        lo_host_disk_info(d, &info);
        ok(info.block_device, "loop: seen as a block device");
        is_uint(lo_disk_size(d) * lo_disk_block_size(d), 4u << 20,
                "loop: size from BLKGETSIZE64");
        is_uint(lo_disk_block_size(d), 512, "loop: 512-byte sectors from BLKSSZGET");
        disk_conformance(d, "loop");
        lo_disk_close(d);
    }
    snprintf(cmd, sizeof cmd, "losetup -d %s", dev);
    if (system(cmd) != 0)
        diag("could not detach %s", dev);
    unlink(img);
}

int main(void)
{
    make_scratch_dir();
    run_mode(LO_DISK_IO_URING, "uring");
    run_mode(LO_DISK_IO_SYNC, "sync");
    check_open_errors();
    check_tmpfs_and_buffered();
    check_loop_device();
    rmdir(scratch);
    return done_testing();
}
