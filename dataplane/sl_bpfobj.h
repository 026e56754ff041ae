/* sl_bpfobj: a BPF object file with one map's size changed, for a loader
 * that takes only a path (the af_xdp PMD's xdp_prog=): sluice-dp sizes the
 * prefilter's sources ([prefilter] sources) this way.
 *
 * Contract: sl_bpfobj_resized() reads the object at path, sets the
 * max_entries of the BTF-defined map `map` (in section .maps) to
 * max_entries in a copy, and returns a memfd holding the copy, to be
 * opened as /proc/self/fd/<fd> while the caller keeps it open; -1 with the
 * reason in err. The size lives in the object's BTF, as the array length
 * of the map's max_entries member; the copy changes that length only, and
 * only when no other map of the object shares the array type (BTF dedup
 * shares it between maps of one size): otherwise it refuses, since the
 * change would resize them too. Slow path, once at start. */
#ifndef SL_BPFOBJ_H
#define SL_BPFOBJ_H

#include <stddef.h>
#include <stdint.h>

int sl_bpfobj_resized(const char *path, const char *map, uint32_t max_entries, char *err,
		      size_t errlen);

#endif
