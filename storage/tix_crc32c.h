/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven: the journal's record checksum. */
#ifndef TIX_CRC32C_H
#define TIX_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC32C over `len` bytes; start with crc = 0. "123456789" gives 0xE3069283. */
uint32_t tix_crc32c(uint32_t crc, const void *data, size_t len);

#endif
