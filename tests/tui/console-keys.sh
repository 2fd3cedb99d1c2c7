#!/bin/bash
# tests/tui/console-keys.sh TRANCHED TRANCHE -- the console's action keys
# against the real engine (manual order form, style override, algorithm
# switch, cancel children, :throttle with completion, ack, kill and release
# as a supervisor), layouts cycling, and a bad user layout reported with its
# file and line.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

mkdir -p "$TMP/xdg/tranche/layouts"
printf '{\n  "name": "broken",\n  "columns": [ { "panels": [\n    { "panel": "bokk" } ] } ]\n}\n' \
	>"$TMP/xdg/tranche/layouts/broken.json"
export XDG_CONFIG_HOME="$TMP/xdg"

start_engine --speed 60
console --connect "$URL" --role supervisor
wait_for "broken.json:4: unknown panel \"bokk\"" 30
wait_for "TAPE"
wait_for "BLOTTER 1"
wait_for "State  WORKING"

# m: the form shows the checks and the estimate before y.
tmux_ send-keys m
wait_for "manual child order: PRICE QTY"
tmux_ send-keys -l "1 100"
tmux_ send-keys Enter
wait_for "reason:"
tmux_ send-keys -l "tmux: manual"
tmux_ send-keys Enter
wait_for "CHECK BEFORE SENDING"
wait_for "FAIL] price collar"
# Three costs, and the form says which to trust: the engine's model; the
# console's own figure is a rough guide, the square-root law a cross-check.
wait_for "rough guide (the console's, from the book shown)"
wait_for "the engine's impact model below is the one to trust"
wait_for_re "impact model \(TRUST THIS\): [0-9.]+ bps \(\\\$[0-9]+\); square-root law, a cross-check: [0-9.]+ bps"
tmux_ send-keys y
wait_for "child refused"
wait_for_re "child refused: .*collar"

# A manual child the collar lets through, priced in dollars on the form:
# the engine must receive the same price in ticks.  Five ticks above the
# best ask, so the block's sell order rests on the book where we can see it.
snap() { "$TRANCHE" ctl --connect "$URL" snapshot --json; }
ask=$(snap | jq -r '.book.asks[0][0]')
tick=$(snap | jq -r '.tick')
[ -n "$ask" ] && [ "$ask" != null ] && [ -n "$tick" ] && [ "$tick" != null ] ||
	fail "no best ask or tick in the snapshot"
px_ticks=$((ask + 5))
px_dollars=$(awk -v p="$px_ticks" -v t="$tick" 'BEGIN { printf "%.4f", p * t }')
tmux_ send-keys m
wait_for "manual child order: PRICE QTY"
tmux_ send-keys -l "$px_dollars 100"
tmux_ send-keys Enter
wait_for "reason:"
tmux_ send-keys -l "tmux: manual at the ask"
tmux_ send-keys Enter
wait_for "CHECK BEFORE SENDING"
tmux_ send-keys y
wait_for "child: ok"
# What the engine received is its decision for the manual child.  The
# child itself may have filled and left the working children by the time
# the snapshot is taken (seen on a loaded machine: the price moved five
# ticks between reading the ask and sending).
snap | jq -e --argjson px "$px_ticks" '[.decisions[] |
	select(.action == "manual" and .px == $px and .qty == 100)] |
	length == 1' >/dev/null ||
	fail "no manual decision of 100 at $px_ticks ticks (\$$px_dollars): $(snap | jq -c '[.decisions[] | select(.action == "manual")]')"

# a: style override.
tmux_ send-keys a
wait_for "style passive|neutral|aggressive"
tmux_ send-keys -l "passive 3600"
tmux_ send-keys Enter
tmux_ send-keys -l "tmux: style"
tmux_ send-keys Enter
wait_for '"action":"style","style":"passive","for_s":3600'
tmux_ send-keys y
wait_for "style: ok"
"$TRANCHE" ctl --connect "$URL" status --json |
	jq -e '.blocks[0].forced == "passive"' >/dev/null || fail "the style is not forced passive"

# s: switch the algorithm, to one the block is not running (twap is).
[ "$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.blocks[0].algo')" = twap ] ||
	fail "the block does not start on twap"
tmux_ send-keys s
tmux_ send-keys -l vwap
tmux_ send-keys Enter
tmux_ send-keys -l "tmux: algo"
tmux_ send-keys Enter
wait_for '"action":"algo","algo":"vwap"'
tmux_ send-keys y
wait_for "algo: ok"
[ "$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.blocks[0].algo')" = vwap ] ||
	fail "the engine's block is not on vwap after the switch"

# c: cancel the working children.
tmux_ send-keys c
tmux_ send-keys -l "tmux: cancel children"
tmux_ send-keys Enter
wait_for '"action":"cancel_children"'
tmux_ send-keys y
wait_for "cancel_children: ok"
# The manual child resting above the ask went with the others.
snap | jq -e --argjson px "$px_ticks" \
	'[.children[] | select(.px == $px and .qty == 100)] | length == 0' >/dev/null ||
	fail "the manual child is still working after cancel_children"

# : with completion; the engine's answer names all three limits.
tmux_ send-keys :
tmux_ send-keys -l thr
tmux_ send-keys Tab
tmux_ send-keys -l "8% child 500 passive"
tmux_ send-keys Enter
tmux_ send-keys -l "tmux: throttle"
tmux_ send-keys Enter
wait_for '"pct":8,"max_child":500,"aggression":"passive"'
tmux_ send-keys y
wait_for "throttle: ok, participation cap 8%, max child 500, aggression cap passive"
"$TRANCHE" ctl --connect "$URL" status --json |
	jq -e '.blocks[0].max_pov == 8' >/dev/null || fail "max_pov is not 8"

# K: KILL, a reason, y; then :release.
tmux_ send-keys K
wait_for "Type KILL"
tmux_ send-keys -l KILL
tmux_ send-keys Enter
tmux_ send-keys -l "tmux: kill"
tmux_ send-keys Enter
wait_for "y sends"
tmux_ send-keys y
wait_for "kill: ok, engine HALTED"
wait_for "│ HALTED │"
[ "$(block_state)" = HALTED ] || fail "engine says $(block_state), not HALTED"
tmux_ send-keys :
tmux_ send-keys -l release
tmux_ send-keys Enter
tmux_ send-keys -l "tmux: release"
tmux_ send-keys Enter
wait_for "y sends"
tmux_ send-keys y
wait_for "release: ok"
# The audit log names the person (the local unix user) and what was done.
wait_for "$(id -un) (supervisor) kill switch on — tmux: kill"

# Z freezes, / searches, L cycles layouts.
tmux_ send-keys Z
wait_for "FROZEN"
tmux_ send-keys Z
wait_for "display live"
# An action on what is selected, frozen: the display thaws and nothing is
# asked (the rows shown were not what the selection named); the key again
# acts on what is then shown.
tmux_ send-keys Z
wait_for "FROZEN"
tmux_ send-keys p
wait_for "the display was FROZEN"
screen | grep -qF "reason:" && fail "a prompt opened on a frozen display"
tmux_ send-keys p
wait_for_re "(pause|resume) 1: reason:"
tmux_ send-keys Escape
tmux_ send-keys /
tmux_ send-keys -l hold
tmux_ send-keys Enter
wait_for "DECISIONS /hold:"
tmux_ send-keys L
wait_for "layout supervisor"
tmux_ send-keys L L
wait_for "layout replay"

tmux_ send-keys q
console_exited_cleanly
echo "PASS console-keys"
