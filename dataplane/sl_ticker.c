#include "sl_ticker.h"

#include <errno.h>
#include <time.h>

static void *ticker_thread(void *arg)
{
	sl_ticker_t *k = arg;
	const struct timespec period = {(time_t)(k->period_ms / 1000),
					(long)(k->period_ms % 1000) * 1000000L};
	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		k->tick(k->arg);
		nanosleep(&period, NULL);
	}
	return NULL;
}

int sl_ticker_start(sl_ticker_t *k)
{
	if (k->running)
		return 0;
	__atomic_store_n(&k->stop, 0, __ATOMIC_RELAXED);
	int rc = pthread_create(&k->thread, NULL, ticker_thread, k);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	pthread_setname_np(k->thread, k->name);
	k->running = true;
	return 0;
}

void sl_ticker_stop(sl_ticker_t *k)
{
	if (!k->running)
		return;
	__atomic_store_n(&k->stop, 1, __ATOMIC_RELEASE);
	pthread_join(k->thread, NULL);
	k->running = false;
}
