#!/bin/bash
# tests/tui/console-late.sh TRANCHED TRANCHE -- an engine that cannot keep
# its speed says so on the desk's screen.  At 200x the engine is stopped
# (SIGSTOP) for 5 s: the console first says STALE, and once the engine runs
# again the status bar says LATE with the seconds its clock gave up
# (heartbeat lost_ms), which the engine's own status agrees with.  Before
# the stop it says no such thing.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

start_engine --speed 200
console --connect "$URL"
wait_for "BLOTTER 1"
wait_for_re "(^|[^A-Z])CONNECTED .*hb"
sleep 1
screen | grep -q "LATE" && fail "LATE before the engine lost any time"

kill -STOP "$ENGINE_PID"
wait_for "STALE" 20
sleep 2
kill -CONT "$ENGINE_PID"
wait_gone_re "STALE" 30
wait_for_re "LATE [0-9]+\.[0-9]s" 30
lost=$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.lost_ms')
shown=$(screen | grep -oE "LATE [0-9]+\.[0-9]s" | head -1 | grep -oE "[0-9]+\.[0-9]")
# The stop was at least 5 s of wall time; the engine owes at most 1 s of it.
awk -v l="$lost" 'BEGIN { exit !(l >= 3000) }' ||
	fail "the engine's status says lost_ms $lost after a 5 s stop"
awk -v s="$shown" -v l="$lost" 'BEGIN { exit !(s * 1000 <= l + 100 && s >= 3) }' ||
	fail "the console shows LATE ${shown}s, the engine lost_ms $lost"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-late"
