#!/bin/bash
# tests/tui/console-ack-shared.sh TRANCHED TRANCHE -- an acknowledgement is
# the engine's, not one console's: with a console attached and counting
# "CRIT N unacked", `tranche ctl ack all=true` from elsewhere clears that
# count (the ack's audit event names the seqs), and a console attached
# after the ack shows no unacknowledged CRIT (the snapshot's alerts carry
# "acked": true).  Acknowledging an alert again is accepted and the reply
# says it already was.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 60 --set events.0.at=09:32:00
console --connect "$URL" --role supervisor --layout supervisor
wait_for "ALERTS"
wait_for "news: \"headline\" at 09:32:00" 60
wait_for_re "CRIT [0-9]+ unacked" 60
# Nearly stop the simulated clock, so that no new alert comes between the
# ack and what is checked after it.
"$TRANCHE" ctl --connect "$URL" --role supervisor speed speed=0.01 \
	--reason "tmux test: hold the market still" >/dev/null ||
	fail "ctl speed 0.01 refused"

# Another client acknowledges every alert: the running console's count goes.
"$TRANCHE" ctl --connect "$URL" ack all=true --reason "ctl: seen it" --json \
	>"$TMP/ack.json" 2>"$TMP/ack.err" || fail "ctl ack all: $(cat "$TMP/ack.err")"
jq -e '.ok == true and (.acked | length) > 0' "$TMP/ack.json" >/dev/null ||
	fail "ctl ack all answered $(cat "$TMP/ack.json")"
wait_gone_re "CRIT [0-9]+ unacked" 10
wait_for "ctl: seen it"

# Again: accepted, and the reply says every one already was.
"$TRANCHE" ctl --connect "$URL" ack all=true --reason "ctl: again" --json \
	>"$TMP/ack2.json" 2>"$TMP/ack.err" || fail "ctl ack all again: $(cat "$TMP/ack.err")"
jq -e --slurpfile first "$TMP/ack.json" '.ok == true and
	($first[0].acked - .already) == [] and (.already | length) > 0' \
	"$TMP/ack2.json" >/dev/null ||
	fail "a second ack all answered $(cat "$TMP/ack2.json")"

tmux_ send-keys q
console_exited_cleanly

# A console attached after the ack: the headline's alert is there, counted
# as acknowledged.
console --connect "$URL" --role supervisor --layout supervisor
wait_for "news: \"headline\" at 09:32:00" 30
sleep 1
screen | grep -qE "CRIT [0-9]+ unacked" &&
	fail "a console attached after ack all counts unacknowledged CRITs"
tmux_ send-keys q
console_exited_cleanly
stop_engine
