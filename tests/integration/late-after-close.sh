#!/bin/bash
# tests/integration/late-after-close.sh TRANCHED TRANCHE -- lost_ms counts
# only simulated time the engine could not keep up with.  A session that has
# closed has none left, so an engine stopped (SIGSTOP) for 4 s after its
# close has given up nothing: lost_ms stays 0, and no console says LATE.
# (Before, the stop counted: lost_ms 3,013 after the same 4 s.)
set -u
TRANCHED=$1 TRANCHE=$2
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -CONT "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
		sleep 0.5
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
url=ipc://$tmp/e.sock
status() { "$TRANCHE" ctl --connect "$url" --timeout 2000 status --json; }

# At 100000x the 6.5-hour day closes within a second of wall time.
"$TRANCHED" --listen "$url" --journal "$tmp/j.trj" --speed 100000 \
	> "$tmp/engine.log" 2>&1 &
pid=$!
# Closed: the simulated clock stands still between two answers 0.3 s
# apart (at 100000x a running one moves 30,000 s in that time).
closed= t0=
for _ in $(seq 1 100); do
	t1=$(status 2>/dev/null | jq -r '.t') || t1=
	[ -n "$t1" ] && [ "$t1" = "$t0" ] && closed=1 && break
	t0=$t1
	sleep 0.3
done
[ -n "$closed" ] || fail "the session did not finish: $(status 2>&1 | head -c 300)"
sleep 1
before=$(status | jq -r '.lost_ms')
kill -STOP "$pid"
sleep 4
kill -CONT "$pid"
sleep 1.5
after=$(status | jq -r '.lost_ms')
[ "$after" = "$before" ] ||
	fail "stopped 4 s after the close, lost_ms went from $before to $after"
echo "ok: stopped 4 s after the close, lost_ms stayed $after"
