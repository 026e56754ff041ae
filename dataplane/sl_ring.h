/* sl_ring: the pipeline's rte_ring transfers of mbuf pointers, kept out of
 * line.
 *
 * DPDK's ring functions are inline, and they copy the objects through
 * uint64_t lvalues (rte_ring_elem_pvt.h), while our arrays hold struct
 * rte_mbuf pointers. Inlined into the pipeline, that is a read and a write
 * of one object through two unrelated types, which strict aliasing lets
 * the compiler reorder: a clang -O3 build read the mbuf array before the
 * dequeue had filled it, and test_pipeline's multi-worker cases miscounted.
 * Behind a call in another translation unit the compiler must assume the
 * call reads and writes the arrays it is given. One call per burst. */
#ifndef SL_RING_H
#define SL_RING_H

struct rte_mbuf;
struct rte_ring;

/* rte_ring_sp_enqueue_burst of objs[0..n): single producer; returns how
 * many went in (the first ones). */
unsigned sl_ring_put_burst(struct rte_ring *r, struct rte_mbuf *const *objs, unsigned n);

/* rte_ring_sc_dequeue_burst into objs[0..max): single consumer; returns
 * how many came out. */
unsigned sl_ring_get_burst(struct rte_ring *r, struct rte_mbuf **objs, unsigned max);

#endif
