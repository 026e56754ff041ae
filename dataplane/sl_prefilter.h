/* sl_prefilter: user space's side of the XDP prefilter (bpf/README.md).
 *
 * Contract: sl_prefilter_open_iface() finds the maps of the XDP program
 * attached to an interface (the af_xdp PMD attached it from xdp_prog=);
 * sl_prefilter_open_prog() does the same for a program fd (tests). Both
 * check that the maps have the layout of include/sluice/sl_prefilter.h, so
 * a stale object is refused rather than misread. The handle holds map fds
 * only; the program stays attached after sl_prefilter_close(). */
#ifndef SL_PREFILTER_USER_H
#define SL_PREFILTER_USER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/sl_prefilter.h"

typedef struct sl_prefilter {
	int conf_fd, counters_fd, src_drops_fd;
} sl_prefilter_t;

int sl_prefilter_open_iface(sl_prefilter_t *pf, const char *iface, char *err, size_t errlen);
int sl_prefilter_open_prog(sl_prefilter_t *pf, int prog_fd, char *err, size_t errlen);
void sl_prefilter_close(sl_prefilter_t *pf);

/* Writes the config entry: from then on the program redirects. */
int sl_prefilter_configure(const sl_prefilter_t *pf, const struct sl_pf_conf *conf);

/* c[i] = counter slot i summed over every CPU. */
int sl_prefilter_counters(const sl_prefilter_t *pf, uint64_t c[SL_PF__COUNT]);

/* Drops counted against src (sl_pkt_view_t form); 0 when it has no entry. */
uint64_t sl_prefilter_src_drops(const sl_prefilter_t *pf, uint32_t src);

/* "redirected", "drop_bad_ihl", "pass_not_ipv4", ... */
const char *sl_prefilter_counter_name(unsigned i);

/* `"prefilter": {...}` (no surrounding braces), and the shutdown table's
 * section (zero drop reasons left out). */
void sl_prefilter_write_json(FILE *f, const uint64_t c[SL_PF__COUNT]);
void sl_prefilter_print_table(FILE *f, const uint64_t c[SL_PF__COUNT]);

#endif
