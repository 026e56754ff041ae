#include "sl_ring.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

unsigned sl_ring_put_burst(struct rte_ring *r, struct rte_mbuf *const *objs, unsigned n)
{
	return rte_ring_sp_enqueue_burst(r, (void *const *)objs, n, NULL);
}

unsigned sl_ring_get_burst(struct rte_ring *r, struct rte_mbuf **objs, unsigned max)
{
	return rte_ring_sc_dequeue_burst(r, (void **)objs, max, NULL);
}
