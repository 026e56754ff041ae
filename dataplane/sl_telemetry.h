/* sl_telemetry: DPDK telemetry commands /sluice/stats and /sluice/peers,
 * returning what --stats-json writes (dataplane/README.md "Counters"), readable with
 * dpdk-telemetry.py. The callbacks run on DPDK's telemetry thread and only
 * read the pipeline's counters (sl_pipeline_stats). */
#ifndef SL_TELEMETRY_H
#define SL_TELEMETRY_H

#include "sl_config.h"
#include "sl_pipeline.h"

/* Register once; cfg and p must outlive the EAL. 0, or -1 on failure. */
int sl_telemetry_register(const sl_config_t *cfg, const sl_pipeline_t *p);

#endif
