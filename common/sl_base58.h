/* sl_base58: Bitcoin-alphabet base58, the text form of Solana keys and
 * signatures. Not on the fast path (tools, logs, tests).
 *
 * Contract: encode writes a NUL-terminated string and returns its length, or
 * 0 when `outsz` is too small (a 64-byte signature needs at most 89 bytes,
 * SL_BASE58_SIG_STRLEN). Decode accepts only the alphabet, returns the number
 * of bytes written, or -1 on a bad character or when `outsz` is too small.
 * Both directions handle at most 256 bytes (keys and signatures are 32/64). */
#ifndef SL_BASE58_H
#define SL_BASE58_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SL_BASE58_KEY_STRLEN 45 /* 32 bytes -> at most 44 chars + NUL */
#define SL_BASE58_SIG_STRLEN 89 /* 64 bytes -> at most 88 chars + NUL */

size_t sl_base58_encode(const uint8_t *in, size_t n, char *out, size_t outsz);
ssize_t sl_base58_decode(const char *in, uint8_t *out, size_t outsz);

#endif
