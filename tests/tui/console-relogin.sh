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

# Again, and this time the engine is stopped as the next command goes, for
# longer than the console waits.  The console says hello on its new command
# connection as soon as it is made, so the command is a trader's, carried
# out when the engine goes on, and its late answer is shown.  Before, it
# went as a viewer's, was refused once the engine went on, and the console
# never said so: "no answer ... a late answer is shown when it comes"
# stood, and the status bar said trader (found by an adversarial review).
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
start_engine --speed 60
# The hello's answer says so, in place of "pause: ok".
wait_for "attached to $URL" 20
tmux_ send-keys p
wait_for "resume 1: reason:"
tmux_ send-keys -l "stopped as it goes"
tmux_ send-keys Enter
wait_for '"cmd":"resume"'
kill -STOP "$ENGINE_PID"
tmux_ send-keys y
wait_for "resume: no answer from the engine" 20
kill -CONT "$ENGINE_PID"
wait_for "late answer to resume" 30
screen | grep -F "late answer to resume" | grep -qF ": done" ||
	fail "the late answer is not done: $(screen | grep -F "late answer")"
[ "$(block_state)" = WORKING ] || fail "engine says $(block_state), not WORKING"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-relogin"
