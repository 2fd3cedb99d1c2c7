#!/bin/bash
# tests/tui/console-stuck-events.sh TRANCHED TRANCHE -- an events
# connection that is up and delivers nothing does not hold the console for
# good.  A stand-in on the events address answers the SP greeting as a pair1
# socket and then says nothing and never closes: the console's events
# connection to it stays up, as NNG's own redial was once seen to leave one
# (tui/console-lost in CI: 47 s lost with a new engine on the address).  An
# engine dies, the console's events dialer finds the stand-in on the
# address, the stand-in's socket file is then removed and a new engine
# starts there; the console, with no heartbeat for 5 s, dials its events
# again and finds it.  Then both addresses are held by stand-ins: with
# heartbeats back and two hellos unanswered, it dials its commands again.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need python3
export LC_ALL=C.UTF-8 LANG=C.UTF-8

# stand_in PATH PROTO: answer the SP greeting as protocol PROTO, then
# nothing, for good; each connection accepted is a line in PATH.accepted.
stand_in() {
	python3 - "$1" "$2" <<'PY' &
import socket, sys
path, proto = sys.argv[1], int(sys.argv[2], 0)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
held = []
while True:
    c, _ = srv.accept()
    c.recv(8)                                     # the dialer's greeting
    c.sendall(b"\0SP\0" + bytes([proto >> 8, proto & 255, 0, 0]))
    held.append(c)                                # and then nothing
    with open(path + ".accepted", "a") as m:
        m.write("accepted\n")
PY
	FAKE_PIDS="$FAKE_PIDS $!"
}
FAKE_PIDS=
trap 'kill $FAKE_PIDS 2>/dev/null; cleanup' EXIT INT TERM

start_engine --speed 60 --name first-engine
console --connect "$URL"
wait_for "first-engine"
wait_for_re "(^|[^A-Z])CONNECTED .*hb"
# The engine dies; before it is back, the console's events dialer finds the
# stand-in on its address and stays connected to it.
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
rm -f "$TMP/ctl.events"
stand_in "$TMP/ctl.events" 0x11
wait_until 15 test -s "$TMP/ctl.events.accepted"
wait_for "ENGINE LOST" 30
# The stand-in keeps its connection; the address goes to a new engine.
rm -f "$TMP/ctl.events" "$TMP/j.trj"
start_engine --speed 60 --name second-engine --seed 7
wait_for "second-engine" 30
wait_gone_re "ENGINE LOST" 30
wait_for "State  WORKING" 30

# The same with both addresses held by stand-ins: the command connection
# too (REP, 0x31) answers nothing.
kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
rm -f "$TMP/ctl" "$TMP/ctl.events" "$TMP"/*.accepted
stand_in "$TMP/ctl" 0x31
stand_in "$TMP/ctl.events" 0x11
wait_until 15 test -s "$TMP/ctl.events.accepted"
wait_for "ENGINE LOST" 30
tmux_ send-keys p
wait_until 15 test -s "$TMP/ctl.accepted"
rm -f "$TMP/ctl" "$TMP/ctl.events" "$TMP/j.trj"
start_engine --speed 60 --name third-engine --seed 9
wait_for "third-engine" 40
wait_gone_re "ENGINE LOST" 30
# Heartbeats alone say the name and that the session is new (the picture
# is emptied at once, the role unknown); the hello's answer, on the
# command connection once it is dialled again, says the role, and a
# command goes through.
wait_for "a new engine session" 40
wait_for "role trader" 40
wait_for "State  WORKING" 30
tmux_ send-keys p
wait_for "pause 1: reason:"
tmux_ send-keys -l "after the stand-ins"
tmux_ send-keys Enter
wait_for '"cmd":"pause"'
tmux_ send-keys y
wait_for "pause: ok" 20
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-stuck-events"
