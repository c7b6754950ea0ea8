/*
 * checksum.c -- CRC-32C (see checksum.h).
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "drivers/checksum.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

enum { POLY = 0x82f63b78u };   /* reflected Castagnoli polynomial */

static uint32_t table[256];
static atomic_int table_state;  /* 0 none, 1 building, 2 ready */

static void build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc_table(uint32_t crc, const unsigned char *p, size_t len)
{
    if (atomic_load_explicit(&table_state, memory_order_acquire) != 2) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&table_state, &expected, 1)) {
            build_table();
            atomic_store_explicit(&table_state, 2, memory_order_release);
        }
        while (atomic_load_explicit(&table_state, memory_order_acquire) != 2)
            ;
    }
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hardware(uint32_t crc, const unsigned char *p, size_t len)
{
    uint64_t c = crc;
    while (len >= 8) {
        uint64_t word;
        __builtin_memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}

static bool have_sse42(void)
{
    static atomic_int known;    /* 0 unknown, 1 no, 2 yes */
    int k = atomic_load_explicit(&known, memory_order_relaxed);
    if (!k) {
        unsigned a, b, c, d;
        k = (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2)) ? 2 : 1;
        atomic_store_explicit(&known, k, memory_order_relaxed);
    }
    return k == 2;
}
#endif

uint32_t lo_crc32c(uint32_t crc, const void *data, size_t len)
{
    crc = ~crc;
#if defined(__x86_64__)
    if (have_sse42())
        return ~crc_hardware(crc, data, len);
#endif
    return ~crc_table(crc, data, len);
}
