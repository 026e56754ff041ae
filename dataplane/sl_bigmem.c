#include "sl_bigmem.h"

#include <stdint.h>
#include <sys/mman.h>

#define SL_HUGE_PAGE ((size_t)2 << 20)

static size_t mapped_len(size_t bytes)
{
	return (bytes + SL_HUGE_PAGE - 1) & ~(SL_HUGE_PAGE - 1);
}

void *sl_bigmem_map(size_t bytes)
{
	size_t len = mapped_len(bytes);
	if (bytes == 0 || len < bytes)
		return NULL;
	void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem != MAP_FAILED)
		return mem;
	/* Transparent huge pages only back 2 MiB-aligned ranges: map a huge
	 * page more and trim both ends to an aligned range. */
	uint8_t *raw = mmap(NULL, len + SL_HUGE_PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uint8_t *aligned = (uint8_t *)(((uintptr_t)raw + SL_HUGE_PAGE - 1) & ~(SL_HUGE_PAGE - 1));
	if (aligned > raw)
		munmap(raw, (size_t)(aligned - raw));
	if (aligned + len < raw + len + SL_HUGE_PAGE)
		munmap(aligned + len, (size_t)(raw + len + SL_HUGE_PAGE - (aligned + len)));
	/* before the first touch; best effort */
	(void)madvise(aligned, len, MADV_HUGEPAGE);
	return aligned;
}

void sl_bigmem_unmap(void *mem, size_t bytes)
{
	if (mem)
		munmap(mem, mapped_len(bytes));
}
