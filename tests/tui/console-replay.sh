#!/bin/bash
# tests/tui/console-replay.sh TRANCHED TRANCHE -- a journal written by the
# real engine plays in the console: REPLAY banner, space pauses and plays,
# + and - change the speed, p is refused, and a damaged journal plays up to
# the damage and says where it stopped.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

# A few simulated minutes of journal.
start_engine --speed 60
seq_now() {
	"$TRANCHE" ctl --connect "$URL" snapshot --json | jq -e '.seq >= 1500'
}
wait_until 60 seq_now
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
wait_for "read-only in replay"
tmux_ send-keys t
wait_for "read-only in replay"
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
