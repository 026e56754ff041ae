#include "sl_dptelemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

_Static_assert(SL_DPTEL_PATH_MAX == sizeof(((struct sockaddr_un *)0)->sun_path),
	       "SL_DPTEL_PATH_MAX is sun_path's size");

void sl_dptel_path(const char *relay, char *out, size_t outsz)
{
	const char *base = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");
	snprintf(out, outsz, "%s/dpdk/sluice-%s/dpdk_telemetry.v2", base ? base : "/tmp", relay);
}

void sl_dptel_close(sl_dptel_t *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

int sl_dptel_connect(sl_dptel_t *t, const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	const struct timeval tmo = {.tv_sec = 2};
	char info[1024];
	t->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) != 0 ||
	    setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo)) != 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		sl_dptel_close(t);
		return -1;
	}
	if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		sl_dptel_close(t);
		if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
			return 0;
		snprintf(err, errsz, "connect: %s", strerror(e));
		return -1;
	}
	ssize_t n = recv(t->fd, info, sizeof(info), 0);
	if (n <= 0) {
		snprintf(err, errsz, "reading its info message: %s", n == 0 ? "closed" : strerror(errno));
		sl_dptel_close(t);
		return -1;
	}
	return 1;
}

int sl_dptel_command(sl_dptel_t *t, const char *cmd, char *buf, size_t bufsz)
{
	ssize_t n = -1;
	const char *step = t->fd < 0 ? "not connected" :
			   send(t->fd, cmd, strlen(cmd), MSG_NOSIGNAL) != (ssize_t)strlen(cmd) ? "sending" :
			   (n = recv(t->fd, buf, bufsz - 1, 0)) <= 0 ? "reading the answer" : NULL;
	if (step != NULL) {
		int e = errno;
		snprintf(buf, bufsz, "%s: %s", step, n == 0 ? "closed" : strerror(e));
		sl_dptel_close(t);
		return -1;
	}
	buf[n] = '\0';
	return 1;
}

int sl_dptel_ask(const char *path, const char *cmd, char *buf, size_t bufsz)
{
	sl_dptel_t t;
	int rc = sl_dptel_connect(&t, path, buf, bufsz);
	if (rc == 1)
		rc = sl_dptel_command(&t, cmd, buf, bufsz);
	sl_dptel_close(&t);
	return rc;
}

const char *sl_dptel_value(char *answer, const char *cmd)
{
	size_t kl = strlen(cmd), n = strlen(answer);
	if (n > kl + 5 && answer[0] == '{' && answer[1] == '"' && strncmp(answer + 2, cmd, kl) == 0 &&
	    strncmp(answer + 2 + kl, "\":", 2) == 0 && answer[n - 1] == '}') {
		answer[n - 1] = '\0';
		return answer + kl + 4;
	}
	return answer;
}
