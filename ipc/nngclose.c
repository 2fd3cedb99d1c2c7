/*
 * ipc/nngclose.c -- nng_close() with a deadline (see nngclose.h for why).
 *
 * The closing thread and the caller share one small record; whichever of
 * them lets go of it last frees it, so an abandoned close leaks nothing but
 * the stuck thread itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ipc/nngclose.h"

enum { CLOSE_SOCKET, CLOSE_DIALER, CLOSE_LISTENER };

struct closer {
	nng_socket s;
	nng_dialer d;   /* closed instead of s when kind is CLOSE_DIALER */
	nng_listener l; /* ... or CLOSE_LISTENER */
	int kind;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	int refs;
};

/* Closes given up on in this process (see ipc_nng_abandoned()). */
static atomic_ulong closer_abandoned;

unsigned long
ipc_nng_abandoned(void)
{
	return atomic_load(&closer_abandoned);
}

static void
closer_release(struct closer *c)
{
	int last;

	pthread_mutex_lock(&c->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (last) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
	}
}

static void
closer_close(struct closer *c)
{
	if (c->kind == CLOSE_DIALER)
		nng_dialer_close(c->d);
	else if (c->kind == CLOSE_LISTENER)
		nng_listener_close(c->l);
	else
		nng_close(c->s);
}

static void *
closer_main(void *arg)
{
	struct closer *c = arg;

	closer_close(c);
	pthread_mutex_lock(&c->mu);
	c->done = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	closer_release(c);
	return NULL;
}

static int closer_run(struct closer *c, int timeout_ms);

/* A record for what, closed with a deadline (at once, without one, when
 * there is no memory for it). */
static int
closer_start(struct closer what, int timeout_ms)
{
	struct closer *c = malloc(sizeof *c);

	if (c == NULL) {
		closer_close(&what);
		return 0;
	}
	*c = what;
	return closer_run(c, timeout_ms);
}

int
ipc_nng_close(nng_socket s, int timeout_ms)
{
	return closer_start((struct closer){ .s = s, .kind = CLOSE_SOCKET },
	    timeout_ms);
}

int
ipc_nng_dialer_close(nng_dialer d, int timeout_ms)
{
	return closer_start((struct closer){ .d = d, .kind = CLOSE_DIALER },
	    timeout_ms);
}

int
ipc_nng_listener_close(nng_listener l, int timeout_ms)
{
	return closer_start((struct closer){ .l = l, .kind = CLOSE_LISTENER },
	    timeout_ms);
}

static int
closer_run(struct closer *c, int timeout_ms)
{
	pthread_attr_t attr;
	pthread_t th;
	struct timespec until;
	int done;

	c->refs = 2;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, closer_main, c) != 0) {
		pthread_attr_destroy(&attr);
		closer_close(c);
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
		return 0;
	}
	pthread_attr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->mu);
	while (!c->done &&
	    pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
		;
	done = c->done;
	pthread_mutex_unlock(&c->mu);
	closer_release(c);
	if (!done)
		atomic_fetch_add(&closer_abandoned, 1);
	return done ? 0 : NNG_ETIMEDOUT;
}

/* Pipe closes not yet released (see nngclose.h); a ring, as ids and the
 * monotonic time of the close.  A full ring forgets the oldest record: the
 * check then looks at fewer closes, never at wrong ones. */
#define PIPE_WATCH 256

static pthread_mutex_t pipe_watch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { uint32_t id; uint64_t at_ms; } pipe_watch[PIPE_WATCH];
static unsigned pipe_watch_n, pipe_watch_head;

static uint64_t
pipe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
ipc_nng_pipe_close(nng_pipe p)
{
	uint32_t id = (uint32_t)nng_pipe_id(p);
	int rv;

	/* Remembered first: its REM_POST can come before nng_pipe_close()
	 * returns. */
	pthread_mutex_lock(&pipe_watch_mu);
	if (pipe_watch_n == PIPE_WATCH) {
		pipe_watch_head = (pipe_watch_head + 1) % PIPE_WATCH;
		pipe_watch_n--;
	}
	pipe_watch[(pipe_watch_head + pipe_watch_n) % PIPE_WATCH].id = id;
	pipe_watch[(pipe_watch_head + pipe_watch_n) % PIPE_WATCH].at_ms =
	    pipe_now_ms();
	pipe_watch_n++;
	pthread_mutex_unlock(&pipe_watch_mu);
	if ((rv = nng_pipe_close(p)) != 0)
		ipc_nng_pipe_released(p);
	return rv;
}

void
ipc_nng_pipe_released(nng_pipe p)
{
	uint32_t id = (uint32_t)nng_pipe_id(p);

	pthread_mutex_lock(&pipe_watch_mu);
	for (unsigned i = 0; i < pipe_watch_n; i++) {
		unsigned k = (pipe_watch_head + i) % PIPE_WATCH;

		if (pipe_watch[k].id != id)
			continue;
		/* The rest move up one, oldest first as before. */
		for (unsigned j = i; j + 1 < pipe_watch_n; j++)
			pipe_watch[(pipe_watch_head + j) % PIPE_WATCH] =
			    pipe_watch[(pipe_watch_head + j + 1) % PIPE_WATCH];
		pipe_watch_n--;
		break;
	}
	pthread_mutex_unlock(&pipe_watch_mu);
}

uint64_t
ipc_nng_pipe_stuck_ms(void)
{
	uint64_t age = 0, now_ms = pipe_now_ms();

	pthread_mutex_lock(&pipe_watch_mu);
	if (pipe_watch_n > 0 && now_ms > pipe_watch[pipe_watch_head].at_ms)
		age = now_ms - pipe_watch[pipe_watch_head].at_ms;
	pthread_mutex_unlock(&pipe_watch_mu);
	return age >= IPC_PIPE_STUCK_MS ? age : 0;
}
