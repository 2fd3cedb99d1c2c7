#!/bin/bash
# tests/tui/console-replay-marks.sh TRANCHED TRANCHE -- a journal of a
# session whose engine was killed and restarted on it: the replay marks
# the restart on the transport bar (R), n stops at it and says in words
# where the engine stopped and that a new one recovered the session, and
# playing past it says so too.  `.` says what the event it played was,
# and n says what the alert or intervention was, not "event 558".
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

seq_at() {
	"$TRANCHE" ctl --connect "$URL" snapshot --json | jq -e ".seq >= $1"
}
start_engine --speed 60
wait_until 60 seq_at 200
"$TRANCHE" ctl --connect "$URL" throttle 35 --reason "before the crash" \
	>/dev/null || fail "throttle refused"
wait_until 60 seq_at 400
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
# The same journal: the session goes on.
start_engine --speed 60
grep -q "continuing the session" "$TMP/engine.log" ||
	fail "the engine did not recover the session"
s0=$("$TRANCHE" ctl --connect "$URL" snapshot --json | jq '.seq')
wait_until 60 seq_at $((s0 + 150))
stop_engine

console replay "$TMP/j.trj" --speed 0.25
wait_for_line "REPLAY" "PLAYING"
tmux_ send-keys Space
wait_for_line "REPLAY" "PAUSED"
# The restart on the transport bar.
wait_for_re "REPLAY.*[0-9]{2}:[0-9]{2}:[0-9]{2}[|][^|]*R[^|]*[|]"

# . says the event in words.
tmux_ send-keys .
wait_for_re "one event forward \(paused\): [0-9]{2}:[0-9]{2}:[0-9]{2} (book|market print|decision|heartbeat|block|our fill|child order|alert|intervention|engine now|[A-Z]+ mid)"
screen | grep -qE "event [0-9]+ \(paused\)" && fail ". names an event by number"

# n: the intervention in words, then the restart.
played() { screen | grep -m1 REPLAY | grep -oE '[0-9]+/[0-9]+ events' | cut -d/ -f1; }
played_is_not() { [ "$(played)" != "$1" ]; }
step_until() { # KEY TEXT: press KEY until TEXT shows
	local k=0 before
	while ! screen | grep -qF -- "$2"; do
		[ "$k" -lt 40 ] || fail "'$1' never reached '$2'"
		before=$(played)
		tmux_ send-keys "$1"
		wait_until 20 played_is_not "$before"
		k=$((k + 1))
	done
}
step_until n "(trader), done: before the crash"
screen | grep -qE "intervention: throttle (block [0-9]+|all blocks) [0-9]+% \(was [0-9]+%\) by [^ ]+ \(trader\), done: before the crash" ||
	fail "the intervention is not told in words"
step_until n "RESTART: the engine stopped at"
wait_for "a new one recovered the session from the journal"
wait_for_re "next at [0-9:]{8}: RESTART"

# Played through from the mark before it, the restart is said as it
# passes.
tmux_ send-keys N
wait_for_re "previous at [0-9:]{8}: (alert|intervention)"
tmux_ send-keys + + + + + + + + + Space
wait_for_line "REPLAY" "100x"
wait_for_re "^ RESTART: the engine stopped at" 60
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-replay-marks"
