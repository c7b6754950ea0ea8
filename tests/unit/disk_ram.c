/*
 * disk_ram.c -- the RAM disk against the disk protocol, and the protocol's
 * generic layer (checks, read-modify-write) on several native block sizes.
 */
#include "tests/helpers/disk_conformance.h"

int main(void)
{
    lo_disk *d;
    is_int(lo_ram_disk_open(64, 3000, &d), LO_ESIZE, "block size must be a power of two");
    is_int(lo_ram_disk_open(64, 256, &d), LO_ESIZE, "block size below 512 rejected");
    is_int(lo_ram_disk_open(0, 4096, &d), LO_ERANGE, "zero blocks rejected");

    uint32_t sizes[] = { 512, 4096, 65536 };
    for (unsigned i = 0; i < 3; i++) {
        char label[32];
        snprintf(label, sizeof label, "ram/%u", sizes[i]);
        if (lo_ram_disk_open(128, sizes[i], &d) != LO_OK)
            bail_out("cannot open a RAM disk");
        is_uint(lo_disk_size(d), 128, "%s: size in blocks", label);
        is_uint(lo_disk_block_size(d), sizes[i], "%s: native block size", label);
        disk_conformance(d, label);
        lo_disk_close(d);
    }

    /* A large RAM disk costs only what is touched. */
    is_int(lo_ram_disk_open(1u << 20, 4096, &d), LO_OK, "4 GiB RAM disk opens");
    unsigned char *b = lo_disk_buffer_alloc(4096);
    memset(b, 7, 4096);
    is_int(lo_disk_write_sync(d, b, 4096, (4ull << 30) - 4096), LO_OK,
           "write its last block");
    lo_disk_close(d);
    lo_disk_buffer_free(b);
    return done_testing();
}
