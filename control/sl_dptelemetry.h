/* sl_dptelemetry: a client of sluice-dp's DPDK telemetry socket without
 * linking DPDK (control/README.md, "sluicectl"): a plain SOCK_SEQPACKET
 * unix socket; the server sends a JSON info message first (read and
 * dropped), then answers each command with one message {"CMD":VALUE}. */
#ifndef SL_DPTELEMETRY_H
#define SL_DPTELEMETRY_H

#include <stddef.h>

/* sizeof(sockaddr_un.sun_path) */
#define SL_DPTEL_PATH_MAX 108

/* Where the EAL of sluice-dp (file prefix sluice-<relay>) puts its telemetry
 * socket: DPDK's runtime folder is /var/run for root, else $XDG_RUNTIME_DIR
 * or /tmp. A path, so reachable from any network namespace. */
void sl_dptel_path(const char *relay, char *out, size_t outsz);

/* A connection, kept across commands (-1: none). */
typedef struct sl_dptel {
	int fd;
} sl_dptel_t;

/* Connects and drops the info message. Returns 1 connected, 0 when nothing
 * listens at path (sluice-dp does not run), -1 with the reason in err. */
int sl_dptel_connect(sl_dptel_t *t, const char *path, char *err, size_t errsz);

/* One command on a connection: 1 with the answer (NUL-terminated) in buf,
 * -1 with the reason in buf (the connection is then closed). */
int sl_dptel_command(sl_dptel_t *t, const char *cmd, char *buf, size_t bufsz);

void sl_dptel_close(sl_dptel_t *t);

/* connect, one command, close: 1 with the answer in buf, 0 when nothing
 * listens, -1 with the reason in buf. */
int sl_dptel_ask(const char *path, const char *cmd, char *buf, size_t bufsz);

/* The value of the answer {"CMD":VALUE} (the answer is cut in place); the
 * whole answer if it has another shape. */
const char *sl_dptel_value(char *answer, const char *cmd);

#endif
