#!/bin/bash
# tests/tui/console-relogin.sh TRANCHED TRANCHE -- the engine restarts on
# its journal faster than the heartbeat's 3 s: the console's command
# connection is a new one, which the engine knows as a viewer that never
# said hello.  A trader's pause then was refused ("say hello with a role
# first") while the status bar still said trader; the console now says
# hello again and sends the pause again under the same id.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 60
console --connect "$URL"
wait_for "State  WORKING"
wait_for_re "(^|[^A-Z])CONNECTED"

# Killed and started again on the same journal: the same session goes on.
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
start_engine --speed 60
grep -q "continuing the session" "$TMP/engine.log" ||
	fail "the engine did not continue its session: $(cat "$TMP/engine.log")"

tmux_ send-keys p
wait_for "pause 1: reason:"
tmux_ send-keys -l "after a restart"
tmux_ send-keys Enter
wait_for '"cmd":"pause"'
tmux_ send-keys y
wait_for "pause: ok" 20
screen | grep -qF "pause refused" && fail "the pause was refused"
[ "$(block_state)" = PAUSED ] || fail "engine says $(block_state), not PAUSED"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-relogin"
