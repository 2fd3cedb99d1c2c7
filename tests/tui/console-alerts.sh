#!/bin/bash
# tests/tui/console-alerts.sh TRANCHED TRANCHE -- market alerts on the
# supervisor's screen: news-shock with its headline moved to 09:32 so that
# it comes two simulated minutes after the open; the alert detector's CRIT alert shows
# in the alerts panel with its numbers and suggested action, and the status
# bar counts unacknowledged CRIT alerts until they are acknowledged.  A on
# the marked alert sends ack with no reason (a reason is optional for an
# acknowledgement), and :ack all with a reason acknowledges every alert:
# the count leaves the status bar and the audit log has the reason.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 60 --set events.0.at=09:32:00
console --connect "$URL" --role supervisor --layout supervisor
wait_for "ALERTS"
wait_for "news: \"headline\" at 09:32:00" 60
wait_for_re "CRIT [0-9]+ unacked" 60
wait_for_re "QDI (mid|spread|volume|volatility|bid depth|ask depth|aggressive)" 30
wait_for "-> consider" 30

# A: the marked alert (the newest) with an empty reason.
# Tab until the alerts panel has the focus (the layout decides how many).
for _ in 1 2 3 4 5 6 7 8; do
	tmux_ send-keys Tab
	sleep 0.3
	screen | grep -qF "A ack the marked one" && break
done
wait_for "A ack the marked one"
tmux_ send-keys A
wait_for "reason (optional):"
# The prompt names the alert in words, not only by its seq.
wait_for_re "ack alert [0-9]+ \((CRIT|WARN|INFO) "
tmux_ send-keys Enter
wait_for '"alert":'
screen | grep -F '"alert":' | grep -qF '"reason"' &&
	fail "an empty reason was sent as a reason"
tmux_ send-keys y
wait_for_re "ack: ok, alert [0-9]+ acknowledged"

# :ack all with a reason: every CRIT is acknowledged and the count goes.
tmux_ send-keys :
tmux_ send-keys -l "ack all"
tmux_ send-keys Enter
wait_for "ack all alerts: reason (optional):"
tmux_ send-keys -l "tmux: saw the headline"
tmux_ send-keys Enter
wait_for '"all":true'
tmux_ send-keys y
wait_for_re "ack all: ok, [0-9]+ alert\(s\) acknowledged"
wait_gone_re "CRIT [0-9]+ unacked" 10
wait_for "tmux: saw the headline"

tmux_ send-keys q
console_exited_cleanly
stop_engine
