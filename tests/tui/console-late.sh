#!/bin/bash
# tests/tui/console-late.sh TRANCHED TRANCHE -- an engine that cannot keep
# its speed says so on the desk's screen.  At 200x the engine is stopped
# (SIGSTOP) for at least 6 s of wall time, timed here: the console first
# says STALE, and once the engine runs again the status bar says LATE with
# the seconds its clock gave up (heartbeat lost_ms).  The engine owes at
# most 1 s, so its own status must have given up at least 4 s more than
# before the stop, and the console's figure must be that status's, or an
# earlier heartbeat's, within a heartbeat.  (A starved machine may have
# given some up before the stop: the check is on the increase.)
#
# A pause confirmed just as the engine stops goes unanswered for the
# console's 5 s, and the trader is told there was no answer; the engine
# carries it out when it runs again, and the console says that late
# answer (before, the engine's answer was dropped with the request, and the
# block was PAUSED with nothing on the screen saying so).
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

lost() { "$TRANCHE" ctl --connect "$URL" status --json | jq -r '.lost_ms'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

start_engine --speed 200
console --connect "$URL"
wait_for "BLOTTER 1"
wait_for_re "(^|[^A-Z])CONNECTED .*hb"
before=$(lost)
tmux_ send-keys p
wait_for "pause 1: reason:"
tmux_ send-keys -l "late answer test"
tmux_ send-keys Enter
wait_for '{"cmd":"pause","block":"1","reason":"late answer test"}'

t_stop=$(now_ms)
kill -STOP "$ENGINE_PID"
tmux_ send-keys y
wait_for "STALE" 20
wait_for "pause: no answer from the engine" 20
while [ $(( $(now_ms) - t_stop )) -lt 6000 ]; do sleep 0.2; done
kill -CONT "$ENGINE_PID"
wait_for "late answer to pause block 1: done (pause block 1 (was WORKING))" 20
[ "$(block_state)" = PAUSED ] || fail "the engine says $(block_state), not PAUSED"
wait_gone_re "STALE" 30
wait_for_re "LATE [0-9]+\.[0-9]s" 30
# What the screen shows first, then the engine's count: it only grows, so
# a heartbeat drawn between the two reads cannot put the screen past it.
shown=$(screen | grep -oE "LATE [0-9]+\.[0-9]s" | head -1 | grep -oE "[0-9]+\.[0-9]")
after=$(lost)
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a - b >= 4000) }' ||
	fail "a 6 s stop: the engine's lost_ms went from $before to $after"
awk -v s="$shown" -v a="$after" -v b="$before" \
	'BEGIN { exit !(s * 1000 <= a + 100 && s * 1000 >= b + 4000 - 100) }' ||
	fail "the console shows LATE ${shown}s; the engine's lost_ms $before before, $after after"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-late: the console showed LATE ${shown}s; the engine's lost_ms went from $before to $after"
