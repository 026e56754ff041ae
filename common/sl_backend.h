/* sl_backend: the signature-verification backends by name. The config
 * selects one; dataplane/sl_verify implements each (sl_verify_backend.h).
 * Here so that the config parser links no verifier. */
#ifndef SL_BACKEND_H
#define SL_BACKEND_H

typedef enum sl_verify_backend {
	SL_VERIFY_SODIUM = 0, /* libsodium, completed to the exact rule */
	SL_VERIFY_SLUICE = 1, /* our own arithmetic (dataplane/ed25519/), batched */
	SL_VERIFY__COUNT
} sl_verify_backend_t;

static inline const char *sl_verify_backend_name(sl_verify_backend_t backend)
{
	switch (backend) {
	case SL_VERIFY_SODIUM: return "sodium";
	case SL_VERIFY_SLUICE: return "sluice";
	default: return "unknown";
	}
}

#endif
