/*
 * fixwire.h -- the whole API the FIX judges in tests/fix share (fixwire.c):
 * the acceptor under test as a child process, TCP connections to it, framing
 * and checking what it sends, and making what they send.
 *
 * Messages are byte strings with SOH (0x01) between fields.  Functions
 * return 0 (or a length) on success and a negative value on failure, with a
 * sentence in err/why naming what was wrong and with which value.
 */
#ifndef TRANCHE_FIXWIRE_H
#define TRANCHE_FIXWIRE_H

#include <stddef.h>
#include <sys/types.h>

#define SOH '\001'

/* Monotonic seconds. */
double fw_now(void);
/* m made printable into out: SOH as '|', other control bytes as \xNN, cut
 * with "..." at cap. */
void fw_printable(char *out, size_t cap, const char *m, size_t len);
/* A whole file, NUL-terminated, in *out (free it): 0 or -errno. */
int fw_read_file(const char *path, char **out, size_t *len);
/* The first field with this tag (a string: "35") copied into out: 0, or -1
 * when absent.  Fields end at SOH or newline. */
int fw_field(const char *m, size_t len, const char *tag, char *out, size_t cap);

/* QuickFIX's <TIME>, <TIME+n>, <TIME-n> (UTC YYYYMMDD-HH:MM:SS): the length
 * written, or -1. */
int fw_timify(const char *in, size_t len, char *out, size_t cap);
/* QuickFIX's fixify: 9 and 10 computed where absent, a message not starting
 * with 8= left alone: the length written, or -1. */
int fw_fixify(const char *in, size_t len, char *out, size_t cap);
/* A message from '|'-separated text ("8=FIX.4.2|35=0|34=2|..."), times
 * substituted, 9 and 10 computed where absent: its length, or -1. */
int fw_msg(char *out, size_t cap, const char *bars);

/* The length of the whole message at the start of b: >0; 0 when more bytes
 * are needed; -1 with why when the bytes cannot be one (not 8= first, 9 not
 * second or not a number, BodyLength not ending at 10=, wrong CheckSum). */
long fw_frame_len(const char *b, size_t n, char *why, size_t cap);
/* Why bytes that stopped coming are not a whole message. */
void fw_frame_diag(const char *b, size_t n, char *why, size_t cap);

/* A TCP connection to 127.0.0.1 and what came on it, not yet consumed. */
struct fw_conn {
	int fd;
	char *buf;
	size_t len, cap;
	int eof;
};
int fw_conn_open(struct fw_conn *c, int port);  /* 0 or -errno */
/* The same with a receive buffer of rcvbuf bytes (0: the default). */
int fw_conn_open_rcvbuf(struct fw_conn *c, int port, int rcvbuf);
void fw_conn_close(struct fw_conn *c);          /* keeps buf for reuse; free(c->buf) at the end */
int fw_conn_send(struct fw_conn *c, const char *m, size_t n); /* 0 or -errno */
/* Reads once (until the deadline): 1 bytes came, 0 nothing or EOF (eof set),
 * -1 out of memory. */
int fw_conn_fill(struct fw_conn *c, double deadline);
void fw_conn_consume(struct fw_conn *c, size_t n);
/* The next whole message at c->buf: its length (>0, consume it when done);
 * 0 when nothing came by the deadline or the peer closed (why says which);
 * -1 when what came is not a message (why says why). */
long fw_conn_next(struct fw_conn *c, double deadline, char *why, size_t cap);

/* The acceptor as a child process: stdout to a pipe, stderr to log, killed
 * when the judge dies. */
struct fw_proc {
	pid_t pid;
	int out;
	int port;
	int exited, status; /* set when fw_proc_alive saw it end */
};
/* Runs argv; with wait_listen, reads its stdout until "listening
 * tcp://127.0.0.1:PORT" (port set).  0, or -1 with err. */
int fw_proc_start(struct fw_proc *p, char *const argv[], const char *log, int wait_listen,
                  double timeout, char *err, size_t cap);
/* 1 while it runs. */
int fw_proc_alive(struct fw_proc *p);
/* SIGTERM, then 0 when it exited with status 0 within timeout; else -1
 * with err (status, signal, or SIGKILL after the timeout). */
int fw_proc_stop(struct fw_proc *p, double timeout, char *err, size_t cap);

#endif
