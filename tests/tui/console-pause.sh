#!/bin/bash
# tests/tui/console-pause.sh TRANCHED TRANCHE -- a trader pauses and resumes
# a block from the real console attached to the real engine, and the engine
# agrees.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 60
console --connect "$URL"

# The ladder and the block's progress appear.
wait_for "BOOK"
wait_for_line "ASK" "."
wait_for_line "BID" "."
wait_for "State  WORKING"
wait_for_re "(^|[^A-Z])CONNECTED"

# p asks for a reason, shows what it will send, and y sends it.
tmux_ send-keys p
wait_for "pause 1: reason:"
tmux_ send-keys -l "tmux test: pausing"
tmux_ send-keys Enter
wait_for '{"cmd":"pause","block":"1","reason":"tmux test: pausing"}'
tmux_ send-keys y
wait_for "State  PAUSED"
wait_for "pause: ok"
[ "$(block_state)" = PAUSED ] || fail "engine says $(block_state), not PAUSED"
# The reason came back in the audit trail.
wait_for "tmux test: pausing"

# Anything but y abandons, and nothing is sent.
tmux_ send-keys p
wait_for "resume 1: reason:"
tmux_ send-keys -l "not yet"
tmux_ send-keys Enter
wait_for '"cmd":"resume"'
tmux_ send-keys n
wait_for "resume abandoned: nothing sent"
[ "$(block_state)" = PAUSED ] || fail "abandoned resume changed the block"

# Escape cancels a prompt.
tmux_ send-keys p
wait_for "resume 1: reason:"
tmux_ send-keys Escape
wait_for "resume cancelled"

# p again resumes.
tmux_ send-keys p
wait_for "resume 1: reason:"
tmux_ send-keys -l "tmux test: resuming"
# The reason's Enter and a y typed ahead in one go: the y comes before any
# frame has shown the request, so it sends nothing and says so.
tmux_ send-keys Enter y
wait_for "not sent: it was not on the screen yet"
[ "$(block_state)" = PAUSED ] || fail "a y typed ahead sent the resume"
tmux_ send-keys y
wait_for "State  WORKING"
[ "$(block_state)" = WORKING ] || fail "engine says $(block_state), not WORKING"

# t asks for a percentage first; the engine's answer is shown.
tmux_ send-keys t
wait_for "throttle 1: participation cap"
# The prompt shows block 1's cap as the console has it now, and follows
# another console's throttle while it is open (it showed the engine's
# status read at attach, stale after any throttle).
cap0=$("$TRANCHE" ctl --connect "$URL" status --json | jq '.blocks[0].max_pov')
wait_for "participation cap % (now ${cap0}% as of "
"$TRANCHE" ctl --connect "$URL" throttle 7 --block 1 \
	--reason "another desk's throttle" >/dev/null || fail "ctl throttle refused"
wait_for_re "participation cap % \(now 7% as of [0-9:]{8}; ${cap0}% when opened\)"
tmux_ send-keys -l 250
tmux_ send-keys Enter
wait_for "percentage '250': must be a nu"
tmux_ send-keys BSpace BSpace BSpace
tmux_ send-keys -l 25
tmux_ send-keys Enter
wait_for "throttle 1 to 25% (cap now 7% as of "
tmux_ send-keys -l "tmux test: throttling"
tmux_ send-keys Enter
wait_for '{"cmd":"throttle","block":"1","pct":25,"reason":"tmux test: throttling"}'
# A second block arrives while the person reads the preview: the throttle
# is block 1's, as the prompt said.  With one block known the console sent
# no block, which the engine reads as every block, and both were capped.
"$TRANCHE" ctl --connect "$URL" submit sym=QDI side=buy qty=20000 \
	duration_s=1800 --reason "arrives mid-prompt" >/dev/null ||
	fail "the second block was refused"
tmux_ send-keys y
wait_for "throttle: ok, participation cap 25%"
# No aggression was sent, and the block has no cap: none is named (it
# said ", aggression aggressive", read as a block just made aggressive).
screen | grep -q "participation cap 25%, aggression" &&
	fail "an aggression named that was not set: $(screen | grep 'cap 25%')"
"$TRANCHE" ctl --connect "$URL" status --json |
	jq -e '.blocks[0].max_pov == 25' >/dev/null || fail "max_pov is not 25"
"$TRANCHE" ctl --connect "$URL" status --json |
	jq -e '(.blocks | length) == 2 and .blocks[1].max_pov != 25' >/dev/null ||
	fail "the block that arrived mid-prompt was throttled too"

# The decisions have the keyboard: Down scrolls back, Home returns.
wait_for_re "(▸|>) DECISIONS"
wait_for_re "DECISIONS ([2-9]|[1-9][0-9]+)"
tmux_ send-keys Down
wait_for_re "DECISIONS [0-9]+ +back [0-9]+"
tmux_ send-keys Home
wait_gone_re "DECISIONS [0-9]+ +back"
wait_for_re "DECISIONS [0-9]+"
# Tab gives it to the alerts.
tmux_ send-keys Tab
wait_for_re "(▸|>) ALERTS"
tmux_ send-keys BTab
wait_for_re "(▸|>) DECISIONS"

# Help opens and closes.
tmux_ send-keys '?'
wait_for "any key closes this help"
tmux_ send-keys x
wait_for "State  WORKING"

tmux_ send-keys q
console_exited_cleanly
echo "PASS console-pause"
