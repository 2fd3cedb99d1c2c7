#!/bin/bash
# tests/tui/console-login.sh TRANCHED TRANCHE -- a login the engine refuses
# is shown as it is.  A viewer's token without --role asks for the default
# role, trader: over tcp:// the console says the engine's own reason (the token grants
# viewer at most) and what to do, keeps saying it, and the status bar says
# LOGIN REFUSED; it never turns into "snapshot refused or malformed" as a
# retried snapshot is refused for the same reason.  With --role viewer the
# same token attaches.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

# Over tcp://, where every peer must log in: a session whose hello was
# refused gets nothing else either, its snapshots included.
export TRANCHE_TOKENS="viewer=viewer-token-4711"
unset TRANCHE_TOKENS_FILE
export XDG_CONFIG_HOME="$TMP/config"
# Below the kernel's ephemeral range (32768 up): no outgoing connection
# holds it.
# Tests running beside this one take ports too: when the engine finds its
# port in use it stops, and the next pair is tried.
export TRANCHE_TOKEN=viewer-token-4711
up=0
for try in 0 1 2 3 4 5 6 7 8 9; do
	URL=tcp://127.0.0.1:$((21000 + ($$ * 2 + try * 2) % 11000))
	"$TRANCHED" --listen "$URL" --journal "$TMP/j.trj" --speed 60 \
		>"$TMP/engine.log" 2>&1 &
	ENGINE_PID=$!
	for _ in $(seq 200); do
		"$TRANCHE" ctl --connect "$URL" --role viewer --timeout 500 \
			status >/dev/null 2>&1 && { up=1; break; }
		kill -0 "$ENGINE_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ $up = 1 ] && break
	kill "$ENGINE_PID" 2>/dev/null
	wait "$ENGINE_PID" 2>/dev/null
	ENGINE_PID=
	grep -q "in use" "$TMP/engine.log" || break
	rm -f "$TMP/j.trj"
done
[ $up = 1 ] || fail "the engine did not come up: $(cat "$TMP/engine.log")"

console --connect "$URL"
wait_for "login refused"
wait_for "this token grants viewer at most"
wait_for "start tranche with the --role the token grants"
wait_for "LOGIN REFUSED"
# Seconds later (several snapshot retries' worth) the reason is still the
# one on screen.
sleep 4
screen | grep -qF "snapshot refused" && fail "the login's reason was replaced"
screen | grep -qF "this token grants viewer at most" ||
	fail "the login's reason went away"
# No role is shown, and an action says why nothing is sent before a prompt
# opens (it opened, and the engine refused what it sent).
screen | grep -qE "role (trader|supervisor)" && fail "a role is shown"
tmux_ send-keys p
wait_for "pause: the login was refused: nothing is sent"
screen | grep -qF "reason:" && fail "a prompt opened"
tmux_ send-keys q
console_exited_cleanly

console --connect "$URL" --role viewer
wait_for "attached to"
wait_for "State  WORKING"
screen | grep -qF "LOGIN REFUSED" && fail "LOGIN REFUSED with the right role"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-login"
