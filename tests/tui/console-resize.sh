#!/bin/bash
# tests/tui/console-resize.sh TRANCHED TRANCHE -- the terminal shrinks below
# the smallest layout's minimum: the panels give way to a message naming the
# size needed and the size there is; grown back, the panels return with the
# engine's state, and the console still takes keys and exits cleanly.
# (Between a layout's minimum and the console's, see console-small.sh.)
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 60
console --connect "$URL"
wait_for "BOOK"
wait_for "BLOTTER 1"
wait_for_re "(^|[^A-Z])CONNECTED"

# Below the console's own minimum (60x16, the built-in layout's): not
# even the smallest layout fits, and it says what is needed.
tmux_ resize-window -x 50 -y 12
wait_for "this terminal is 50x12"
wait_for "tranche needs 60x16"
screen | grep -qF "BOOK" && fail "panels drawn on a screen too small"

# Back up: the panels return, with the engine's data in them.
tmux_ resize-window -x 120 -y 40
wait_for "BLOTTER 1"
wait_for "BOOK"
wait_for_line "ASK" "."
wait_for_re "(^|[^A-Z])CONNECTED"
screen | grep -qF "tranche needs" && fail "the size message stayed"

# Keys still work after the resizes: the help opens and closes.
tmux_ send-keys '?'
wait_for "any key closes this help"
tmux_ send-keys x
wait_for "BLOTTER 1"

# Resized while the help is open: it is drawn again at the new size.  Too
# small first, so the help must go and come back (it is on the screen
# before the resize, so seeing it after proves nothing by itself).
tmux_ send-keys '?'
wait_for "any key closes this help"
tmux_ resize-window -x 50 -y 12
wait_for "this terminal is 50x12"
screen | grep -qF "any key closes this help" && fail "help drawn on a screen too small"
tmux_ resize-window -x 110 -y 32
wait_for "any key closes this help"
screen | grep -qF "tranche needs" && fail "the size message stayed under the help"
tmux_ send-keys x
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-resize"
