/* sl_telemetry: DPDK telemetry commands /sluice/stats, /sluice/peers and,
 * with the XDP prefilter, /sluice/prefilter, returning what --stats-json
 * writes (dataplane/README.md "Counters"), readable with dpdk-telemetry.py.
 * The callbacks run on DPDK's telemetry threads and only read: the
 * pipeline's counters (sl_pipeline_stats) and the prefilter's maps (a few
 * syscalls per tracked source; this is the slow path). */
#ifndef SL_TELEMETRY_H
#define SL_TELEMETRY_H

#include "sl_config.h"
#include "sl_pipeline.h"
#include "sl_prefilter.h"

/* Register once; cfg, p and pf (NULL: no prefilter, no /sluice/prefilter)
 * must stay valid until sl_telemetry_detach. 0, or -1 on failure. */
int sl_telemetry_register(const sl_config_t *cfg, const sl_pipeline_t *p,
			  const sl_prefilter_t *pf);

/* From now on every command answers null; returns after any command in
 * progress has finished, so what was registered may then be freed. DPDK
 * 22.11 cannot unregister a command, and a monitor may ask while sluice-dp
 * shuts down. */
void sl_telemetry_detach(void);

#endif
