/* Compiler helpers shared by every part of sluice (user space and BPF). */
#ifndef SL_COMPILER_H
#define SL_COMPILER_H

#define SL_LIKELY(x)   __builtin_expect(!!(x), 1)
#define SL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SL_ALIGNED(n)  __attribute__((aligned(n)))
#define SL_UNUSED      __attribute__((unused))
#define SL_CACHE_LINE  64
#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
