#!/bin/bash
# tests/tui/console-program.sh TRANCHED TRANCHE -- a program of several
# blocks: the blotter ends in a totals row (every block's filled shares
# against their quantity, the shortfall in dollars, and in basis points
# weighted by filled notional), and the decisions list names the block of
# each decision.  Played back paused, b shows the next block's book and
# chart at once (they waited for the next book event, so a paused replay
# kept the other symbol's ladder up).
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

# The program scenario: two symbols, sell 300,000 QDI and buy 400,000 XYZ.
start_engine --scenario program --speed 60
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
wait_for_line "SELL" "300,000"
wait_for_line "BUY" "400,000"
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
tmux_ kill-server 2>/dev/null
stop_engine

console replay "$TMP/j.trj" --speed 1
wait_for_line "REPLAY" "PLAYING"
wait_for "QDI  [1/2]"
wait_for "BOOK QDI"
wait_for_line "ASK" "."
tmux_ send-keys Space
wait_for_line "REPLAY" "PAUSED"
tmux_ send-keys b
wait_for "BOOK XYZ"
wait_for "CHART XYZ"
tmux_ send-keys b
wait_for "BOOK QDI"
tmux_ send-keys q
console_exited_cleanly

# A program recorded at max (one heartbeat in the whole journal), served by
# `tranched replay` at 60x: a console attached stays CONNECTED, to the end
# and past it, and loses nothing (it dialled its events again every 3 s for
# want of heartbeats, losing events each time, and sat in RESYNC to the end).
"$TRANCHED" --scenario program --speed max --exit-when-done \
	--set orders.0.end=09:40:00 --set orders.1.end=09:40:00 \
	--journal "$TMP/max.trj" --listen "ipc://$TMP/max" >/dev/null 2>&1 ||
	fail "the program at max did not run"
"$TRANCHED" replay "$TMP/max.trj" --speed 60 --listen "$URL" \
	>"$TMP/replay.log" 2>&1 &
ENGINE_PID=$! # the replay: cleanup stops it if a check fails
wait_until 20 "$TRANCHE" ctl --connect "$URL" --timeout 500 status
console --connect "$URL"
wait_for "engine replay, QDI"
wait_until 60 sh -c "'$TRANCHE' ctl --connect '$URL' status --json |
	jq -e .ended >/dev/null"
sleep 5
screen | tail -1 | grep -q "CONNECTED.*gaps 0 " ||
	fail "replay engine: not CONNECTED with no gaps: $(screen | tail -1)"
screen | grep -q "RESYNC" && fail "replay engine: RESYNC"
wait_for "RECORDED, ENDED"
# A live engine on the replay's address at once: a new session, its own
# block, not the recorded ones (the replay's hello named no session, and
# the console kept the program while commands went to the new engine).
kill "$ENGINE_PID" 2>/dev/null
wait "$ENGINE_PID" 2>/dev/null
"$TRANCHED" --listen "$URL" --journal "$TMP/live2.trj" --speed 10 \
	>"$TMP/engine2.log" 2>&1 &
ENGINE_PID=$!
wait_for "a new engine session"
wait_for "SELL 500,000 QDI"
wait_gone_re "RECORDED|XYZ"
tmux_ send-keys q
console_exited_cleanly
stop_engine
echo "PASS console-program"
