/* sl_statefile: sluiced's state file, the relay peers added at run time
 * (`sluicectl peer add`), so that they survive a restart of sluiced
 * (control/README.md, "The state file"). Text, one peer a line:
 *
 *   # comment
 *   peer NAME PUBKEY_B58 IP CONTROL_PORT      (IP: IPv4 or IPv6)
 *
 * The same four fields make the operator's request `peer add NAME PUBKEY_B58
 * IP CONTROL_PORT`; sl_state_peer_parse checks both. A peer's gossip port is
 * the relay's own `gossip_port`.
 *
 * Contract: the parser never fails as a whole: every bad line (syntax, a bad
 * field, a duplicate name or key, one peer too many) is reported as (file,
 * line, reason) and skipped; the good lines are kept. No allocation. Saving
 * goes through sl_file_write_atomic: a crash leaves the old file or the new
 * one. */
#ifndef SL_STATEFILE_H
#define SL_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "sl_config.h"
#include "sl_identity.h"

#define SL_STATEFILE_PEERS_MAX SL_CFG_PEERS_MAX
#define SL_STATEFILE_LINE_MAX  160   /* a line longer than this is refused */
#define SL_STATEFILE_TEXT_MAX  8192  /* what format writes at most */
#define SL_STATEFILE_FILE_MAX  65536 /* what load reads at most */

typedef struct sl_state_peer {
	char name[SL_CFG_NAME_MAX];
	uint8_t pubkey[SL_PUBKEY_SZ];
	sl_addr_t ip;      /* IPv4 or IPv6 */
	uint16_t ctl_port; /* host order */
} sl_state_peer_t;

typedef struct sl_statefile {
	unsigned n;
	sl_state_peer_t peers[SL_STATEFILE_PEERS_MAX];
} sl_statefile_t;

/* "NAME PUBKEY_B58 IP CONTROL_PORT" (spaces or tabs between, nothing else).
 * Returns 0, or -1 with a one-line reason in why. */
int sl_state_peer_parse(const char *fields, sl_state_peer_t *p, char *why, size_t whysz);

/* Parses `len` bytes of `text` (no NUL needed) into *st; returns the number
 * of lines reported and skipped. */
unsigned sl_statefile_parse(const char *text, size_t len, const char *file, sl_statefile_t *st,
			    sl_config_report_fn report, void *ctx);

/* The file's text; returns its length, or 0 when outsz < SL_STATEFILE_TEXT_MAX. */
size_t sl_statefile_format(const sl_statefile_t *st, char *out, size_t outsz);

/* A missing file is an empty list and no problem; an unreadable or oversize
 * one is one problem (line 0) and an empty list. */
unsigned sl_statefile_load(const char *path, sl_statefile_t *st, sl_config_report_fn report,
			   void *ctx);

/* Writes *st to path atomically (mode 0644). 0, or -1 with one line in err. */
int sl_statefile_save(const char *path, const sl_statefile_t *st, char *err, size_t errsz);

/* The index of the peer named `name` or with key `pk` (either may be NULL), or -1. */
int sl_statefile_find(const sl_statefile_t *st, const char *name, const uint8_t *pk);

#endif
