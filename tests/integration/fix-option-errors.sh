#!/bin/bash
# tests/integration/fix-option-errors.sh TRANCHED -- a FIX acceptor that
# cannot open says which option is wrong, once: a bad port is
# --fix-listen's, a missing sessions file --fix-sessions', a store that is
# not a directory --fix-store's (each was prefixed "--fix-listen URL:",
# the port's twice).  A refused Logon of a configured session is said on
# standard error.
set -u
TRANCHED=$1
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
echo '{"sessions":[{"name":"oms","version":"FIX.4.4","sender":"T","target":"O"}]}' >s.json
touch afile
run_expect() {
	local want=$1 unwanted=$2
	shift 2
	rm -f j.trj*
	timeout 10 "$TRANCHED" --scenario=calm --listen="ipc://$tmp/ctl" \
		--journal=j.trj "$@" >out 2>err
	if ! grep -qF -- "$want" err || grep -qF -- "$unwanted" err; then
		echo "FAIL: $*: want \"$want\", not \"$unwanted\":"
		cat err
		exit 1
	fi
}
run_expect "tranched: --fix-listen tcp://127.0.0.1:99999: port 99999: must be 0 to 65535" \
	"99999: --fix-listen" --fix-listen=tcp://127.0.0.1:99999 --fix-sessions=s.json --fix-store=st
run_expect "tranched: --fix-sessions nope.json: No such file or directory" \
	"--fix-listen" --fix-listen=tcp://127.0.0.1:0 --fix-sessions=nope.json --fix-store=st
run_expect "tranched: --fix-store afile: store afile/oms.log: Not a directory" \
	"--fix-listen" --fix-listen=tcp://127.0.0.1:0 --fix-sessions=s.json --fix-store=afile
# A Logon that names a session but is refused (its SendingTime an hour
# old) is closed without a Logout, as QuickFIX's definitions expect, and
# the engine's standard error says why (it said nothing: an independent
# probe).
rm -f j.trj*
"$TRANCHED" --scenario=calm --listen="ipc://$tmp/ctl" --journal=j.trj \
	--fix-listen=tcp://127.0.0.1:0 --fix-sessions=s.json --fix-store=st2 \
	>out 2>err &
pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*FIX acceptor on .* (port \([0-9]*\)).*/\1/p' err)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: no FIX port: $(cat err)"; kill $pid; exit 1; }
old=$(date -u -d '-1 hour' +%Y%m%d-%H:%M:%S)
body="35=A\00134=1\00149=O\00152=$old\00156=T\00198=0\001108=30\001"
body=$(printf "$body")
msg="8=FIX.4.4"$'\001'"9=${#body}"$'\001'"$body"
sum=$(printf '%s' "$msg" | od -An -tu1 -v | tr -s ' ' '\n' | awk '{s+=$1} END {printf "%03d", s % 256}')
msg="${msg}10=$sum"$'\001'
got=$(python3 -c '
import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
s.sendall(sys.argv[2].encode("latin-1"))
s.settimeout(5)
d=b""
while True:
    try:
        c=s.recv(4096)
    except socket.timeout:
        print("TIMEOUT"); break
    if not c: break
    d+=c
print(len(d))' "$port" "$msg")
for _ in $(seq 50); do
	grep -q "Logon refused" err && break
	sleep 0.1
done
kill $pid
wait $pid 2>/dev/null
pid=
[ "$got" = 0 ] || { echo "FAIL: a refused Logon got \"$got\" bytes back"; exit 1; }
grep -qF "tranched: FIX session oms: Logon refused: Logon SendingTime is more than 120 s from ours; the connection is closed" err ||
	{ echo "FAIL: the refused Logon is not said: $(cat err)"; exit 1; }
echo PASS
