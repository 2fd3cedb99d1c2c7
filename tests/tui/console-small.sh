#!/bin/bash
# tests/tui/console-small.sh TRANCHED TRANCHE -- small terminals.  Below the
# trader layout's 100x30 the console shows the largest layout that fits
# (compact at 90x26, the built-in one at 70x20) and says so; the 60x16 the
# man page promises shows panels; at 80x24 the compact layout's status bar
# keeps HALTED, then DISCONNECTED and STALE, whatever else it cuts; grown
# back, the trader layout returns.  Smaller than 60x16 it says both sizes
# whole, even at 20 columns.  --ascii draws no line-drawing character.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

start_engine --speed 60
# --ascii: every character on the screen is ASCII, the frames included.
console --connect "$URL" --ascii
wait_for "BLOTTER 1"
wait_for_line "ASK" "."
wait_for "+-"
screen | LC_ALL=C grep -q "$(printf '[\200-\377]')" &&
	fail "--ascii drew characters that are not ASCII"
tmux_ send-keys q
console_exited_cleanly

console --connect "$URL"
wait_for "BLOTTER 1"
wait_for_re "(^|[^A-Z])CONNECTED"
tmux_ resize-window -x 90 -y 26
wait_for "90x26: trader needs 100x30; showing compact (80x24)"
wait_for "DECISIONS"
wait_for_line "ASK" "."
screen | grep -qF "tranche needs" && fail "a layout fits, yet no panels"
tmux_ resize-window -x 70 -y 20
wait_for "70x20: trader needs 100x30; showing built-in (60x16)"
wait_for_line "ASK" "."
# One column and row short of the console's minimum: the size message.
tmux_ resize-window -x 59 -y 15
wait_for "tranche needs 60x16"
wait_for "this terminal is 59x15"
# At 20 columns the sizes stay whole (the second line said "20x").
tmux_ resize-window -x 20 -y 5
wait_for "needs 60x16"
wait_for "this is 20x5"
# The minimum the man page promises: panels, not a size message.
tmux_ resize-window -x 60 -y 16
wait_gone_re "tranche needs"
wait_for "BOOK"
wait_for_line "ASK" "."

# The compact layout at 80x24: what the status bar must keep.
tmux_ resize-window -x 80 -y 24
wait_for "80x24: trader needs 100x30; showing compact (80x24)"
status_has() { screen | tail -1 | grep -qF -- "$1"; }
"$TRANCHE" ctl --connect "$URL" --role supervisor kill \
	--reason "small terminal test" >/dev/null || fail "kill refused"
wait_until 20 status_has "HALTED"
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
wait_until 30 status_has "DISCONNECTED"
wait_until 30 status_has "STALE"
status_has "HALTED" || fail "HALTED cut from the status bar: $(screen | tail -1)"

# Back to full size: the layout asked for.
tmux_ resize-window -x 120 -y 40
wait_for "layout trader again"
wait_for "BLOTTER 1"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-small"
