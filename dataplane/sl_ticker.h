/* sl_ticker: a slow-path thread that calls tick(arg) every period_ms until
 * stopped (sluice-dp's table and autoblock threads).
 *
 * Contract: start and stop from one controlling thread; stop returns once
 * the last tick has returned, so that what tick reads may then be freed;
 * stop on a ticker that does not run is a no-op. A tick's own run time adds
 * to the period (the loop sleeps period_ms after each). No allocation. */
#ifndef SL_TICKER_H
#define SL_TICKER_H

#include <pthread.h>
#include <stdbool.h>

typedef struct sl_ticker {
	void (*tick)(void *arg);
	void *arg;
	unsigned period_ms;
	const char *name; /* the thread's name (at most 15 characters) */
	pthread_t thread;
	bool running;
	int stop; /* atomic */
} sl_ticker_t;

/* 0, or -1 with errno. Set tick, arg, period_ms and name first. */
int sl_ticker_start(sl_ticker_t *k);
void sl_ticker_stop(sl_ticker_t *k);

#endif
