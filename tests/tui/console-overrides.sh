#!/bin/bash
# tests/tui/console-overrides.sh TRANCHED TRANCHE -- overrides that do what
# the person means, from the real console attached to the real engine:
#   - s checks the algorithm against the list the engine sent in hello
#     (foo is refused with every name; twap-aggressive switches);
#   - t previews the throttle from the engine before y;
#   - a supervisor's ":throttle leave" sets the end-of-window setting, and
#     the block panel shows it;
#   - a manual day order through the touch keeps its rest working; the
#     child-orders panel lists it (marked M) and x cancels that one child;
#   - a block that ends unfilled shows EXPIRED with its filled share.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

ctl() { "$TRANCHE" ctl --connect "$URL" "$@"; }

start_engine --speed 60
console --connect "$URL" --role supervisor --layout supervisor
wait_for "State  WORKING"
wait_for "CHILD ORDERS"

# s foo: refused by the console with the engine's own list.
tmux_ send-keys s
wait_for "switch the algorithm"
tmux_ send-keys -l foo
tmux_ send-keys Enter
wait_for "algo 'foo': unknown (known: twap, twap-passive, twap-ag"
tmux_ send-keys C-u
tmux_ send-keys -l twap-aggressive
tmux_ send-keys Enter
wait_for "reason:"
tmux_ send-keys -l "tmux test: switch"
tmux_ send-keys Enter
wait_for '"algo":"twap-aggressive"'
tmux_ send-keys y
wait_until 10 sh -c "$(printf '%q ' "$TRANCHE") ctl --connect '$URL' status --json |
	jq -e '.blocks[0].algo == \"twap-aggressive\"'"

# t 12: the engine's preview is on the screen before y.
tmux_ send-keys t
wait_for "throttle 1: participation cap"
tmux_ send-keys -l 12
tmux_ send-keys Enter
wait_for "reason:"
tmux_ send-keys -l "tmux test: throttle"
tmux_ send-keys Enter
wait_for_re "preview: at 12% block 1 (reaches about [0-9]+% by [0-9:]+; the rest, [0-9,]+: crossed to 1% past the touch|completes by)"
tmux_ send-keys y
wait_for "participation cap 12%"
# tranche ctl shows the same preview, from the same engine command.
ctl estimate --block 1 pct=12 | grep -qE "throttle preview: at 12% block 1 (reaches about [0-9]+% \([0-9]+ shares\) by [0-9:]+; the rest, [0-9]+ shares: cross at the end, up to 1% past the touch)" ||
	fail "ctl estimate pct=12: $(ctl estimate --block 1 pct=12 2>&1)"
ctl status --json | jq -e '.blocks[0].max_pov == 12' >/dev/null ||
	fail "max_pov is not 12"

# The end-of-window setting, a supervisor's, from the command line.
tmux_ send-keys :
tmux_ send-keys -l "throttle leave"
tmux_ send-keys Enter
wait_for "reason:"
tmux_ send-keys -l "tmux test: leave the rest"
tmux_ send-keys Enter
wait_for '"at_end":"leave"'
tmux_ send-keys y
wait_for_re "Left +([0-9]+h)?([0-9]+m)?[0-9]+s(,| then) leave"
ctl status --json | jq -e '.blocks[0].at_end == "leave"' >/dev/null ||
	fail "the engine's at_end is not leave"

# Pause (the tactic's children go), then a manual day order through the
# far touch (block 1 sells: the best bid) for more than the touch holds, at
# 1x so that the touch is still there when the order arrives.
ctl speed speed=1 --role supervisor --reason "tmux test: slow" >/dev/null ||
	fail "speed refused"
tmux_ send-keys p
wait_for "pause 1: reason:"
tmux_ send-keys -l "tmux test: pause"
tmux_ send-keys Enter
wait_for "y sends"
tmux_ send-keys y
wait_for "State  PAUSED"
wait_for "no working child orders"
ctl snapshot --json >"$TMP/snap.json"
tick=$(jq -r '.tick' "$TMP/snap.json")
px=$(jq -r '.book.bids[0][0]' "$TMP/snap.json")
q=$(jq -r '.book.bids[0][1]' "$TMP/snap.json")
qty=$(( (q / 100 + 200) * 100 ))
price=$(awk -v p="$px" -v t="$tick" 'BEGIN { printf "%.2f", p * t }')
tmux_ send-keys m
wait_for "manual child order"
tmux_ send-keys -l "$price $qty"
tmux_ send-keys Enter
wait_for "reason:"
tmux_ send-keys -l "tmux test: manual"
tmux_ send-keys Enter
wait_for '"tif":"day"'
tmux_ send-keys y
# The rest rests: working, in the engine and in the panel, marked M.
wait_until 10 sh -c "$(printf '%q ' "$TRANCHE") ctl --connect '$URL' snapshot --json |
	jq -e '[.children[] | select(.qty == $qty and .filled > 0 and .filled < .qty)] | length == 1'"
wait_for_re "> +1 +c[0-9]+ +lit +SELL .* M"
cid=$(ctl snapshot --json | jq -r ".children[] | select(.qty == $qty) | .id")
# x cancels exactly that child.
tmux_ send-keys x
wait_for "cancel_child $cid of block 1: reason:"
tmux_ send-keys -l "tmux test: cancel one child"
tmux_ send-keys Enter
wait_for "\"action\":\"cancel_child\""
wait_for "\"child\":\"$cid\""
tmux_ send-keys y
wait_for "no working child orders"
ctl snapshot --json | jq -e '.children | length == 0' >/dev/null ||
	fail "the child is still working"

# A block that ends unfilled: EXPIRED, with its filled share.
ctl speed speed=60 --role supervisor --reason "tmux test: fast" >/dev/null ||
	fail "speed refused"
sym=$(jq -r '.sym' "$TMP/snap.json")
ctl submit sym="$sym" side=buy qty=300000 duration_s=120 urgency=low \
	at_end=leave --role supervisor --reason "tmux test: expires" >/dev/null ||
	fail "submit refused"
wait_until 30 sh -c "$(printf '%q ' "$TRANCHE") ctl --connect '$URL' status --json |
	jq -e '.blocks[1].state == \"EXPIRED\"'"
wait_for_line "2" "EXPIRED"
tmux_ send-keys b
wait_for_re "State  EXPIRED [0-9]+%"

tmux_ send-keys q
console_exited_cleanly
stop_engine
echo PASS
