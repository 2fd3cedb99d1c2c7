#!/bin/bash
# tests/tui/console-lost.sh TRANCHED TRANCHE -- the engine is lost while a
# trader is typing: a banner across the screen says so, every panel's title
# says STALE, the open prompt is closed with "engine unreachable -- not
# sent" and a new action is refused the same way.  A new engine (another
# session) on the same address: the banner goes, and nothing of the old
# session's audit log, decisions or name is left on screen.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

start_engine --speed 60 --name first-engine
console --connect "$URL"
wait_for "first-engine"
wait_for "State  WORKING"
wait_for_re "(^|[^A-Z])CONNECTED .*hb"
# An intervention of the first session, in its audit log.
"$TRANCHE" ctl --connect "$URL" throttle 30 --reason "first session mark" \
	>/dev/null || fail "throttle refused"
wait_for "first session mark"

# A throttle half typed when the engine goes.
tmux_ send-keys t
wait_for "throttle 1: participation cap"
tmux_ send-keys -l 25
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
wait_for "ENGINE LOST: no heartbeat from first-engine" 30
wait_for "nothing is sent until it is back"
wait_for "throttle: engine unreachable — not sent"
screen | grep -qF "throttle 1: participation cap" && fail "the prompt stayed open"
# Every panel says its picture is stale.
for p in "BOOK" "BLOTTER 1" "DECISIONS" "ALERTS"; do
	wait_for_line "$p" "STALE"
done
# Keys still answer; an action is refused before a prompt opens.
tmux_ send-keys p
wait_for "pause: engine unreachable — not sent"
screen | grep -qF "pause 1: reason:" && fail "a pause prompt opened while lost"

# Another session on the same address (a fresh journal).
rm -f "$TMP/j.trj"
start_engine --speed 60 --name second-engine --seed 7
wait_for "second-engine" 30
wait_gone_re "ENGINE LOST" 30
wait_gone_re "STALE" 30
wait_for "State  WORKING" 30
# Nothing of the first session: its intervention, its name.
sleep 1
screen | grep -qF "first session mark" &&
	fail "the first session's audit log is shown as the second's"
screen | grep -qF "first-engine" && fail "the first engine's name stayed"
# The new session's own intervention does show.
"$TRANCHE" ctl --connect "$URL" throttle 40 --reason "second session mark" \
	>/dev/null || fail "throttle refused"
wait_for "second session mark"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-lost"
