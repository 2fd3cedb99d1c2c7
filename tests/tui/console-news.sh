#!/bin/bash
# tests/tui/console-news.sh TRANCHED TRANCHE -- the news line: news-soft
# with its item moved to 09:32 and a --news file item at 09:31:00, at 10x
# so that the console is attached well before the first.  The
# title bar shows the newest item (time, symbol, signed sentiment and its
# word, headline), first the file's, then the simulator's, and the alerts
# panel has the detector's news alert for it.  A console attaching later
# has the line from the snapshot.  The journal then plays in the console's
# replay with the same news line.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

printf '%s\n' '{"t":"09:31:00","symbol":"QDI","headline":"Desk wire: QDI supplier warns","sentiment":-0.4}' \
	>"$TMP/news.jsonl"
start_engine --scenario news-soft --speed 10 --news "$TMP/news.jsonl" \
	--set news.first=09:32:00 --set news.last=09:32:00
console --connect "$URL" --role supervisor --layout supervisor
wait_for "ALERTS"
wait_for "NEWS 09:31:00 QDI -0.40 bad: Desk wire: QDI supplier warns" 60
wait_for 'QDI news: "Desk wire:' 30
wait_for_re "NEWS 09:32:00 QDI [+-][0-9.]+ (good|bad|neutral): " 60
tmux_ send-keys q
console_exited_cleanly
# A console attaching after the news has it from the snapshot.
console --connect "$URL" --role viewer
wait_for_re "NEWS 09:32:00 QDI [+-][0-9.]+ (good|bad|neutral): " 30
tmux_ send-keys q
console_exited_cleanly
stop_engine

# The journal plays the same news line back (on a wider terminal: the
# replay's transport bar fills 120 columns of the title line by itself).
rm -f "$TMP/tui.rc"
tmux_ new-session -d -x 200 -y 40 \
	"$(printf '%q ' "$TRANCHE" replay "$TMP/j.trj" --speed 100) 2>$TMP/tui.err; echo \$? >$TMP/tui.rc"
wait_for_line "REPLAY" "NEWS 09:32:00 QDI" 60
tmux_ send-keys q
console_exited_cleanly
