#!/bin/bash
# tests/tui/console-reconnect.sh TRANCHED TRANCHE -- the engine goes away:
# the console says DISCONNECTED and the heartbeat's age goes STALE, and
# keeps the last picture; a new engine on the same URL: CONNECTED again,
# and the state is the new engine's (hello and a snapshot again: its name,
# its block), not a mix of the two.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 60 --name first-engine
console --connect "$URL"
wait_for "first-engine"
wait_for "BLOTTER 1"
wait_for_re "(^|[^A-Z])CONNECTED .*hb"
# Far enough on that the new engine's numbers are well below these.
seq_at() {
	"$TRANCHE" ctl --connect "$URL" snapshot --json | jq -e ".seq >= $1"
}
wait_until 60 seq_at 600
wait_for_re "seq [6-9][0-9]{2}|seq [0-9]{4}"

# Killed: DISCONNECTED, the heartbeat's age STALE; the last book stays.
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
wait_for "DISCONNECTED" 30
wait_for "STALE" 30
wait_for "BLOTTER 1"
wait_for_line "ASK" "."

# The console still answers keys while the engine is away.
tmux_ send-keys '?'
wait_for "any key closes this help"
tmux_ send-keys x

# A new engine on the same URL (a fresh journal; another name, another
# scenario).  Its sequence numbers start again from 1.
rm -f "$TMP/j.trj"
start_engine --speed 60 --name second-engine --seed 7
wait_for "second-engine" 30
screen | grep -qF "first-engine" && fail "the old engine's name stayed"
wait_for_re "(^|[^A-Z])CONNECTED .*hb" 30
screen | grep -qF "DISCONNECTED" && fail "still DISCONNECTED"
screen | grep -qF "STALE" && fail "still STALE"
# In step with the new engine: its seq, no resync pending, and its block.
engine_seq() {
	"$TRANCHE" ctl --connect "$URL" snapshot --json | jq -r '.seq'
}
shown_seq() { screen | grep -oE 'seq [0-9]+' | tail -1 | cut -d' ' -f2; }
# The screen is read first: the console cannot show a seq the engine has
# not yet published, but a snapshot taken first is older than the screen
# by the ~100 ms that ctl, jq and tmux take, and a console that keeps up
# (as it does on the events channel of protocol 3) is that far ahead of it.
in_step() {
	local e s
	s=$(shown_seq) e=$(engine_seq)
	[ -n "$s" ] && [ -n "$e" ] && [ "$s" -le "$e" ] && [ $((e - s)) -lt 200 ] &&
		! screen | grep -qF "RESYNC"
}
wait_until 30 in_step
wait_for "BLOTTER 1"
wait_for "State  WORKING"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-reconnect"
