/*
 * checksum.h -- CRC-32C (Castagnoli), the checksum of LispOS's on-disk
 * structures (ckpt boot blocks and version tables).
 *
 * Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise;
 * both give the standard CRC-32C (crc32c("123456789") = 0xe3069283).
 */
#ifndef LO_CHECKSUM_H
#define LO_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t lo_crc32c(uint32_t crc, const void *data, size_t len);

#endif
