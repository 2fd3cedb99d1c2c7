/*
 * tests/unit/test-server-listen.c -- the engine's watch over its TLS
 * listeners (engine/server/server-listen.c) on its own, without sockets:
 *
 * listen_parse_real_lines: lines of /proc/net/tcp and tcp6 as the kernel
 *   writes them give the local port, the state, the bytes unread and the
 *   inode; the header line is refused;
 * listen_stuck_after_4s_unmoved: a connection whose unread bytes stay put
 *   for 4 s of looks a second apart is stuck, not before; one whose bytes
 *   move, one on another port, and one the last stuck listener left
 *   behind never are;
 * listen_gap_starts_over: looks more than 2 s apart (an engine that was
 *   stopped) start the count again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/server/server-int.h"

static void
listen_parse_real_lines(void **state)
{
	unsigned port, st;
	unsigned long rx, ino;

	(void)state;
	assert_int_equal(server_listen_parse("  sl  local_address rem_address   "
	    "st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
	    &port, &st, &rx, &ino), -1);
	assert_int_equal(server_listen_parse("  49: 0100007F:79C0 "
	    "0100007F:B018 08 00000000:000002C9 00:00000000 00000000     0    "
	    "    0 1827241 2 000000000e4cee70 20 4 27 14 -1", &port, &st, &rx,
	    &ino), 0);
	assert_int_equal(port, 0x79C0);
	assert_int_equal(st, 0x08);
	assert_int_equal(rx, 713);
	assert_int_equal(ino, 1827241);
	assert_int_equal(server_listen_parse("   3: "
	    "00000000000000000000000001000000:7A69 "
	    "00000000000000000000000001000000:C350 01 00000000:00000099 "
	    "00:00000000 00000000  1000        0 445566 1 0000000000000000 20 4 "
	    "30 10 -1", &port, &st, &rx, &ino), 0);
	assert_int_equal(port, 31337);
	assert_int_equal(st, 0x01);
	assert_int_equal(rx, 0x99);
	assert_int_equal(ino, 445566);
}

static void
listen_stuck_after_4s_unmoved(void **state)
{
	static struct listen_watch w;
	unsigned long ino[3] = { 11, 12, 13 }, rx[3] = { 177, 50, 177 };
	unsigned port[3] = { 31168, 31168, 9999 };
	int64_t t = 1000000;

	(void)state;
	memset(&w, 0, sizeof w);
	w.port = 31168;
	w.dead[w.ndead++] = 99;
	/* Looks a second apart; the second connection's bytes move. */
	for (int k = 0; k < 4; k++, t += 1000) {
		rx[1] += 10;
		assert_int_equal(server_listen_follow(&w, ino, rx, port, 3, t), 0);
	}
	assert_int_equal(server_listen_follow(&w, ino, rx, port, 3, t), 1);
	assert_int_equal(w.stuck_ms, LISTEN_STUCK_MS);
	/* Without the first, nothing is stuck; a dead socket never counts. */
	ino[0] = 99;
	for (int k = 0; k < 6; k++, t += 1000) {
		rx[1] += 10;
		assert_int_equal(server_listen_follow(&w, ino, rx, port, 3, t), 0);
	}
}

static void
listen_gap_starts_over(void **state)
{
	static struct listen_watch w;
	unsigned long ino[1] = { 21 }, rx[1] = { 185 };
	unsigned port[1] = { 40000 };
	int64_t t = 5000000;

	(void)state;
	memset(&w, 0, sizeof w);
	w.port = 40000;
	assert_int_equal(server_listen_follow(&w, ino, rx, port, 1, t), 0);
	/* Stopped 8 s: the first look after it starts over. */
	t += 8000;
	assert_int_equal(server_listen_follow(&w, ino, rx, port, 1, t), 0);
	for (int k = 0; k < 3; k++) {
		t += 1000;
		assert_int_equal(server_listen_follow(&w, ino, rx, port, 1, t), 0);
	}
	t += 1000;
	assert_int_equal(server_listen_follow(&w, ino, rx, port, 1, t), 1);
}

/* Refusals are counted per address, an IPv6 peer's per /64: one host's
 * many addresses are one peer. */
static void
refusal_key_groups_an_ipv6_prefix(void **state)
{
	char k[64];

	(void)state;
	server_refusal_key("tcp 2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof k);
	assert_string_equal(k, "tcp 2001:db8:1:2::/64");
	server_refusal_key("tcp 2001:db8:1:2::9", k, sizeof k);
	assert_string_equal(k, "tcp 2001:db8:1:2::/64");
	server_refusal_key("tcp 2001:db8:1:3::9", k, sizeof k);
	assert_string_equal(k, "tcp 2001:db8:1:3::/64");
	server_refusal_key("tcp 127.0.0.1", k, sizeof k);
	assert_string_equal(k, "tcp 127.0.0.1");
	server_refusal_key("ipc uid 1000", k, sizeof k);
	assert_string_equal(k, "ipc uid 1000");
	/* IPv4 through a dual-stack listener or NAT64: the IPv4 address,
	 * not one ::/64 for every IPv4 peer. */
	server_refusal_key("tcp ::ffff:192.0.2.7", k, sizeof k);
	assert_string_equal(k, "tcp 192.0.2.7");
	server_refusal_key("tcp ::ffff:192.0.2.8", k, sizeof k);
	assert_string_equal(k, "tcp 192.0.2.8");
	server_refusal_key("tcp 64:ff9b::198.51.100.1", k, sizeof k);
	assert_string_equal(k, "tcp 198.51.100.1");
	server_refusal_key("tcp not:an:address", k, sizeof k);
	assert_string_equal(k, "tcp not:an:address");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_parse_real_lines),
		cmocka_unit_test(refusal_key_groups_an_ipv6_prefix),
		cmocka_unit_test(listen_stuck_after_4s_unmoved),
		cmocka_unit_test(listen_gap_starts_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
