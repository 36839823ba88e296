/* CRC32C, slicing-by-8 tables built once: fast enough to checksum every journal record. */
#include "tix_crc32c.h"

#include <pthread.h>
#include <string.h>

static uint32_t s_table[8][256];
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        s_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            s_table[t][i] = (s_table[t - 1][i] >> 8) ^ s_table[0][s_table[t - 1][i] & 0xff];
}

/* Eight bytes per step: the tables fold each byte's contribution at its distance. */
uint32_t tix_crc32c(uint32_t crc, const void *data, size_t len)
{
    (void)pthread_once(&s_once, s_init);
    const unsigned char *p = data;
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = s_table[7][lo & 0xff] ^ s_table[6][(lo >> 8) & 0xff] ^
              s_table[5][(lo >> 16) & 0xff] ^ s_table[4][lo >> 24] ^ s_table[3][p[4]] ^
              s_table[2][p[5]] ^ s_table[1][p[6]] ^ s_table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ s_table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}
