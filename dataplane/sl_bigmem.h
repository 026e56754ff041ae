/* sl_bigmem: memory for the large tables that are sized once at start (the
 * dedup caches), outside the DPDK heap so that they do not need hugepages
 * reserved for them.
 *
 * Contract: sl_bigmem_map returns `bytes` of zeroed, 2 MiB-aligned memory
 * backed by hugetlbfs pages when the system has enough reserved, else by
 * ordinary pages with transparent huge pages requested (fewer TLB misses on
 * random probes); every page is touched before it returns, so the fast path
 * never takes a page fault on it. NULL when there is no memory.
 * sl_bigmem_unmap takes what sl_bigmem_map gave and the same `bytes`. */
#ifndef SL_BIGMEM_H
#define SL_BIGMEM_H

#include <stddef.h>

void *sl_bigmem_map(size_t bytes);
void sl_bigmem_unmap(void *mem, size_t bytes);

#endif
