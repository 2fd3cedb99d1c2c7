/*
 * engine/model/pool.c -- the trainers' worker pool: run items 0..n-1 in
 * forked workers and file each item's fixed-size result by its index, so
 * a result never depends on which worker ran it or when.  The evolution
 * strategy (es.c) and rollout policy iteration (rollout.c) score sessions
 * through it; PPO's items are traces of varying length and keep their own
 * framing (ppo.c).
 *
 * Worker k runs items k, k + jobs, ... and writes each as an int32 index
 * and its `size` bytes.  The parent reads every pipe as it fills (no
 * worker blocks on a full pipe), keeps each pipe's bytes, and parses them
 * when every worker has finished; an item no worker delivered is an error
 * naming it.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/model/model.h"

#define POOL_MAX_JOBS 64

struct pool_buf {
	unsigned char *p;
	size_t n, cap;
};

static int
pool_append(struct pool_buf *b, const void *v, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		unsigned char *p;

		while (cap < b->n + n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
	return 0;
}

static int
pool_write_all(int fd, const void *v, size_t n)
{
	const unsigned char *p = v;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
model_pool_run(int n, int jobs, size_t size,
               void (*fn)(void *arg, int i, void *out), void *arg, void *res,
               char *err, size_t errlen)
{
	int fds[POOL_MAX_JOBS], left, rc = 0;
	pid_t pids[POOL_MAX_JOBS];
	struct pool_buf got[POOL_MAX_JOBS];
	unsigned char *seen = NULL, *out = NULL;

	if (jobs < 1)
		jobs = 1;
	if (jobs > POOL_MAX_JOBS)
		jobs = POOL_MAX_JOBS;
	if (jobs > n)
		jobs = n;
	if (jobs <= 1) {
		for (int i = 0; i < n; i++)
			fn(arg, i, (unsigned char *)res + (size_t)i * size);
		return 0;
	}
	memset(got, 0, sizeof got);
	for (int k = 0; k < jobs; k++) {
		int p[2];

		if (pipe(p) != 0) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			jobs = k;
			rc = -1;
			break;
		}
		fflush(NULL);
		if ((pids[k] = fork()) < 0) {
			snprintf(err, errlen, "fork: %s", strerror(errno));
			close(p[0]);
			close(p[1]);
			jobs = k;
			rc = -1;
			break;
		}
		if (pids[k] == 0) {
			unsigned char *item = malloc(size > 0 ? size : 1);

			close(p[0]);
			for (int j = 0; j < k; j++)
				close(fds[j]);
			if (item == NULL)
				_exit(1);
			for (int i = k; i < n; i += jobs) {
				int32_t ix = i;

				memset(item, 0, size);
				fn(arg, i, item);
				if (pool_write_all(p[1], &ix, sizeof ix) != 0 ||
				    pool_write_all(p[1], item, size) != 0)
					_exit(1);
			}
			_exit(0);
		}
		close(p[1]);
		fds[k] = p[0];
	}
	left = jobs;
	while (left > 0) {
		struct pollfd pf[POOL_MAX_JOBS];

		for (int k = 0; k < jobs; k++)
			pf[k] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
		if (poll(pf, (nfds_t)jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			rc = -1;
			break;
		}
		for (int k = 0; k < jobs; k++) {
			unsigned char b[8192];
			ssize_t r;

			if (fds[k] < 0 || !(pf[k].revents & (POLLIN | POLLHUP)))
				continue;
			r = read(fds[k], b, sizeof b);
			if (r > 0) {
				if (pool_append(&got[k], b, (size_t)r) != 0) {
					snprintf(err, errlen, "out of memory for results");
					rc = -1;
				}
			} else if (r == 0 || errno != EINTR) {
				close(fds[k]);
				fds[k] = -1;
				left--;
			}
		}
	}
	for (int k = 0; k < jobs; k++) {
		if (fds[k] >= 0)
			close(fds[k]);
		waitpid(pids[k], NULL, 0);
	}
	if (rc == 0 && (seen = calloc((size_t)(n > 0 ? n : 1), 1)) == NULL) {
		snprintf(err, errlen, "out of memory for results");
		rc = -1;
	}
	out = res;
	for (int k = 0; rc == 0 && k < jobs; k++)
		for (size_t off = 0; off + sizeof(int32_t) + size <= got[k].n;
		    off += sizeof(int32_t) + size) {
			int32_t ix;

			memcpy(&ix, got[k].p + off, sizeof ix);
			if (ix < 0 || ix >= n)
				continue;
			memcpy(out + (size_t)ix * size, got[k].p + off + sizeof ix,
			    size);
			seen[ix] = 1;
		}
	for (int i = 0; rc == 0 && i < n; i++)
		if (!seen[i]) {
			snprintf(err, errlen, "a worker died before item %d of %d", i,
			    n);
			rc = -1;
		}
	for (int k = 0; k < POOL_MAX_JOBS; k++)
		free(got[k].p);
	free(seen);
	return rc;
}
