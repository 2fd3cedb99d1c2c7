#!/bin/bash
# tests/tui/console-program.sh TRANCHED TRANCHE -- a program of several
# blocks: the blotter ends in a totals row (every block's filled shares
# against their quantity, the shortfall in dollars, and in basis points
# weighted by filled notional), and the decisions list names the block of
# each decision.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

start_engine --speed 60
sym=$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.syms[0]')
"$TRANCHE" ctl --connect "$URL" submit sym="$sym" side=buy qty=20000 \
	duration_s=1800 algo=twap --reason "second block of the program" \
	>/dev/null || fail "submit refused"
console --connect "$URL"
wait_for "BLOTTER 2"
# The quantities add up to the engine's.
total=$("$TRANCHE" ctl --connect "$URL" status --json |
	jq '[.blocks[].qty] | add')
commas() { printf '%s' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
wait_for_re "ALL 2: [0-9,]+/$(commas "$total") filled "
wait_for_re "ALL 2: .* IS -?\\\$[0-9,]+  [-+][0-9.]+ bps by notional"
# The decisions name their block, both blocks in time.
wait_for_line "TIME" "BLOCK"
id=$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.blocks[0].id')
wait_for_re "│[0-9]{2}:[0-9]{2}:[0-9]{2} $id +[a-z]+ "
# Both blocks' rows are in the blotter above the totals.
wait_for_line "SELL" "500,000"
wait_for_line "BUY" "20,000"
# A block named on the command line is the one acted on (":cancel 2"
# cancelled the selected block 1), and words a command does not take are
# refused, naming them.  Escape leaves each prompt unsent.
second=$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.blocks[1].id')
tmux_ send-keys ":cancel $second" Enter
wait_for "cancel $second: reason"
tmux_ send-keys Escape
tmux_ send-keys ":pause block $second" Enter
wait_for "pause $second: reason"
tmux_ send-keys Escape
tmux_ send-keys ":pause 99" Enter
wait_for "no block 99 in the console's list; nothing opened"
tmux_ send-keys ":pause all now" Enter
wait_for "not 'now'; nothing opened"
# A space at the end is no word (":pause all " was refused "not ''").
tmux_ send-keys ":pause all " Enter
wait_for "reason:"
screen | grep -q "not ''" && fail ":pause all with a space at the end was refused"
tmux_ send-keys Escape
# A command that takes values refuses a word past them too: ":algo twap
# extra" opened the switch to twap.
tmux_ send-keys ":algo twap extra" Enter
wait_for ":algo: 'extra': a word too many (algo takes one NAME); nothing opened"
screen | grep -q "reason:" && fail ":algo twap extra opened a prompt"
tmux_ send-keys ":ack 99999" Enter
wait_for ":ack takes \"all\" or nothing"
[ "$("$TRANCHE" ctl --connect "$URL" status --json |
	jq -r '[.blocks[].state] | join(",")')" = "WORKING,WORKING" ] ||
	fail "a block changed: $("$TRANCHE" ctl --connect "$URL" status --json |
		jq -c '[.blocks[].state]')"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-program"
