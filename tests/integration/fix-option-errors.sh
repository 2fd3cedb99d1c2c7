#!/bin/bash
# tests/integration/fix-option-errors.sh TRANCHED -- a FIX acceptor that
# cannot open says which option is wrong, once: a bad port is
# --fix-listen's, a missing sessions file --fix-sessions', a store that is
# not a directory --fix-store's (each was prefixed "--fix-listen URL:",
# the port's twice).
set -u
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
echo PASS
