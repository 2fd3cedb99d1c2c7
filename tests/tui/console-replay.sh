#!/bin/bash
# tests/tui/console-replay.sh TRANCHED TRANCHE -- a journal written by the
# real engine plays in the console: REPLAY banner, space pauses and plays,
# + and - change the speed, p is refused, . steps one event, n / N go
# between interventions, g goes to a time (backwards too), the transport bar
# shows the span, and a damaged journal plays up to the damage and says
# where it stopped.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

# A few simulated minutes of journal.
start_engine --speed 60
seq_at() {
	"$TRANCHE" ctl --connect "$URL" snapshot --json | jq -e ".seq >= $1"
}
# Two interventions part way through, for n / N (the audit topic).
wait_until 60 seq_at 500
"$TRANCHE" ctl --connect "$URL" throttle 30 --reason "replay mark one" \
	>/dev/null || fail "throttle refused"
wait_until 60 seq_at 900
"$TRANCHE" ctl --connect "$URL" throttle 40 --reason "replay mark two" \
	>/dev/null || fail "throttle refused"
wait_until 60 seq_at 1500
stop_engine
[ -s "$TMP/j.trj" ] || fail "no journal written"

console replay "$TMP/j.trj" --speed 4
wait_for_line "REPLAY" "PLAYING"
wait_for_line "REPLAY" "4x"
wait_for "BOOK"
wait_for_line "ASK" "."

tmux_ send-keys Space
wait_for_line "REPLAY" "PAUSED"
tmux_ send-keys +
wait_for_line "REPLAY" "8x"
tmux_ send-keys - -
wait_for_line "REPLAY" "2x"
tmux_ send-keys Space
wait_for_line "REPLAY" "PLAYING"

# Read-only.
tmux_ send-keys p
wait_for "pause: read-only in replay: nothing is sent"
tmux_ send-keys t
wait_for "throttle: read-only in replay: nothing is sent"
tmux_ send-keys q
console_exited_cleanly

# The controls, from paused at the start.  The transport bar shows the
# journal's first and last times around the bar, and the events played.
console replay "$TMP/j.trj" --speed 0.25
wait_for_line "REPLAY" "PLAYING"
tmux_ send-keys Space
wait_for_line "REPLAY" "PAUSED"
wait_for_re "REPLAY.*[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[|].*[|][0-9]{2}:[0-9]{2}:[0-9]{2}  [0-9]+/[0-9]+ events"
bar=$(screen | grep -m1 REPLAY)
first=$(printf '%s' "$bar" | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}[|]' | head -1 | tr -d '|')
played() { screen | grep -m1 REPLAY | grep -oE '[0-9]+/[0-9]+ events' | cut -d/ -f1; }
played_is_not() { [ "$(played)" != "$1" ]; }
n0=$(played)
# . : exactly one event forward each time.
tmux_ send-keys .
wait_for "one event forward"
wait_for_line "REPLAY" " $((n0 + 1))/"
tmux_ send-keys .
wait_for_line "REPLAY" " $((n0 + 2))/"
wait_for_line "REPLAY" "PAUSED"
# n: forward over the alerts to the first intervention, paused; the audit
# log shows it.  Each n moves the count on (the stops are distinct times).
step_until() { # KEY TEXT: press KEY until TEXT shows
	local k=0 before
	while ! screen | grep -qF -- "$2"; do
		[ "$k" -lt 30 ] || fail "'$1' never reached '$2'"
		before=$(played)
		tmux_ send-keys "$1"
		wait_until 20 played_is_not "$before"
		k=$((k + 1))
	done
}
step_until n "replay mark one"
wait_for_re "next at [0-9]{2}:[0-9]{2}:[0-9]{2}: intervention: throttle"
wait_for_line "REPLAY" "PAUSED"
step_until n "replay mark two"
n2=$(played)
# N: back to the previous stop; the store is rebuilt, so the second
# intervention is not in the audit log any more.
tmux_ send-keys N
wait_for_re "previous at [0-9]{2}:[0-9]{2}:[0-9]{2}: (alert|intervention)"
wait_until 20 played_is_not "$n2"
screen | grep -qF "replay mark two" && fail "N left the later intervention shown"
wait_for "replay mark one"
n1=$(played)
[ "$n1" -lt "$n2" ] || fail "N did not go back ($n1 >= $n2)"
# g: go to a time; backwards to the start of the journal.
tmux_ send-keys g
wait_for "go to time HH:MM:SS"
tmux_ send-keys "$first" Enter
wait_for "at $first:"
nf=$(played)
[ "$nf" -lt "$n1" ] || fail "g $first did not go back ($nf >= $n1)"
screen | grep -qF "replay mark one" && fail "g back left an intervention shown"
# Outside the journal, and not a time.
tmux_ send-keys g "23:59:59" Enter
wait_for "outside the journal"
tmux_ send-keys g "soon" Enter
wait_for "go to: time 'soon': must be HH:MM or HH:MM:SS"
# Forward again with g, past both interventions.
tmux_ send-keys g "$(printf '%s' "$bar" | grep -oE '[|][0-9]{2}:[0-9]{2}:[0-9]{2}' | tr -d '|')" Enter
wait_for_line "REPLAY" "STOPPED"
wait_for "replay mark two"
tmux_ send-keys q
console_exited_cleanly

# The speed stops at 100x.
console replay "$TMP/j.trj" --speed 64
wait_for_line "REPLAY" "64x"
tmux_ send-keys + +
wait_for_line "REPLAY" "100x"
tmux_ send-keys q
console_exited_cleanly

# Damage half way through: played up to there, and the offset is named.
size=$(stat -c %s "$TMP/j.trj")
cp "$TMP/j.trj" "$TMP/bad.trj"
printf '\377\377\377\377' | dd of="$TMP/bad.trj" bs=1 seek=$((size / 2)) \
	conv=notrunc status=none
console replay "$TMP/bad.trj" --speed 100
wait_for "journal damaged at byte" 60
wait_for_line "REPLAY" "STOPPED"
tmux_ send-keys q
console_exited_cleanly

# --frames: the console quits by itself (CI runs it so under sanitizers).
console replay "$TMP/j.trj" --frames 25
console_exited_cleanly
echo "PASS console-replay"
