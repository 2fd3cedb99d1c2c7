#!/bin/bash
# tests/fix/suite-selftest.sh FIX-SUITE FIX-FAKE [TRANCHED [FIX-GARBAGE]] --
# the FIX judges can fail.
#
# A judge that cannot fail proves nothing, so this runs fix-suite against
# fix-fake, a tiny acceptor that answers Logon and Logout, first correctly
# (the judge must pass it) and then getting one thing wrong at a time: a
# field's value, the CheckSum, the BodyLength, silence, a connection left
# open, a bad exit status.  It also runs a definition edited to expect a
# wrong value, one the runner cannot understand, and a missing directory.
# With TRANCHED, the edited definition must also fail against the real
# `tranched fix-echo` (the unedited one passing there is the suite's job).
# fix-garbage, too, must fail fix-fake, which does not answer TestRequests.
# Each case checks the exit status and the words of the FAIL line.
set -u
SUITE=$1
FAKE=$2
TRANCHED=${3:-}
GARBAGE=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# A definitions tree like ../shared/fix: fields.fmt at the root.
mkdir -p "$tmp/fix/server/t" "$tmp/work"
printf '%s\n' '10=\d{3}$' \
	'52=\d{8}-\d{2}:\d{2}:\d{2}|\d{8}-\d{2}:\d{2}:\d{2}[.]\d{3}$' >"$tmp/fix/fields.fmt"
def() { # def NAME LOGON_REPLY_HEARTBEAT [EXTRA LINE]
	{
		echo "# a logon and a logout"
		echo "iCONNECT"
		printf 'I8=FIX.4.2\00135=A\00134=1\00149=TW42\00152=<TIME>\00156=ISLD\00198=0\001108=30\001\n'
		printf 'E8=FIX.4.2\0019=63\00135=A\00134=1\00149=ISLD\00152=00000000-00:00:00.000\00156=TW42\00198=0\001108=%s\00110=0\001\n' "$2"
		[ $# -ge 3 ] && echo "$3"
		printf 'I8=FIX.4.2\00135=5\00134=2\00149=TW42\00152=<TIME>\00156=ISLD\001\n'
		printf 'E8=FIX.4.2\0019=51\00135=5\00134=2\00149=ISLD\00152=00000000-00:00:00.000\00156=TW42\00110=0\001\n'
		printf 'eDISCONNECT'
	} >"$tmp/fix/server/t/$1.def"
}
def good 30
ok_def=$tmp/fix/server/t/good.def

# run EXPECT-STATUS REGEX [env...] -- args...: one run of the judge.
run() {
	local want=$1 re=$2
	shift 2
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local out rc
	out=$(env "${envs[@]}" "$SUITE" --workdir "$tmp/work" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -eq "$want" ] || fail "exit status $rc, not $want: ${envs[*]} $*"
	printf '%s\n' "$out" | grep -qE -- "$re" || fail "output does not match /$re/: ${envs[*]} $*"
}

echo "== a correct acceptor passes"
run 0 '^PASS t/good.def' FIX_FAKE_MODE=good -- --tranched "$FAKE" "$ok_def"

echo "== a definition edited to expect HeartBtInt 31"
def wrongvalue 31
run 1 '^FAIL t/wrongvalue.def: line 4: field 8 \(108\): expected "31", got "30"' \
	FIX_FAKE_MODE=good -- --tranched "$FAKE" "$tmp/fix/server/t/wrongvalue.def"
rm "$tmp/fix/server/t/wrongvalue.def"

echo "== an acceptor that answers a wrong field"
run 1 'field 8 \(108\): expected "30", got "99"' FIX_FAKE_MODE=wrongfield -- \
	--tranched "$FAKE" "$ok_def"

echo "== an acceptor with a wrong CheckSum"
run 1 'line 4: CheckSum [0-9]{3} but the bytes sum to [0-9]{3}' FIX_FAKE_MODE=badchecksum -- \
	--tranched "$FAKE" "$ok_def"

echo "== an acceptor with a wrong BodyLength"
run 1 'line 4: BodyLength 64 but the body is 63 bytes' FIX_FAKE_MODE=badlength -- \
	--timeout 1 --tranched "$FAKE" "$ok_def"

echo "== an acceptor that answers nothing"
run 1 'line 4: expected 8=FIX.4.2\|9=63\|35=A.*got nothing in 1 s' FIX_FAKE_MODE=silent -- \
	--timeout 1 --tranched "$FAKE" "$ok_def"

echo "== an acceptor that does not disconnect after Logout"
run 1 'line 7: expected a disconnect, the connection was still open after 1 s' \
	FIX_FAKE_MODE=stayopen -- --timeout 1 --tranched "$FAKE" "$ok_def"

echo "== an acceptor that exits 3 (as under a sanitizer report)"
run 1 'acceptor ended with status 3 after SIGTERM' FIX_FAKE_MODE=badexit -- \
	--tranched "$FAKE" "$ok_def"

echo "== a binary that is not an acceptor"
run 1 'acceptor exited before listening' -- --tranched /bin/false "$ok_def"

echo "== a line the runner cannot run"
def badline 30 'X8=FIX.4.2'
run 1 "line 5: cannot run \"X8=FIX.4.2\": unknown action 'X'" FIX_FAKE_MODE=good -- \
	--tranched "$FAKE" "$tmp/fix/server/t/badline.def"
def badline 30 'iRECONNECT'
run 1 'line 5: cannot run "iRECONNECT": not CONNECT or DISCONNECT' FIX_FAKE_MODE=good -- \
	--tranched "$FAKE" "$tmp/fix/server/t/badline.def"
rm "$tmp/fix/server/t/badline.def"

echo "== two connections: the second logon of the same identity is disconnected"
{
	echo "i1,CONNECT"
	printf 'I1,8=FIX.4.2\00135=A\00134=1\00149=TW42\00152=<TIME>\00156=ISLD\00198=0\001108=30\001\n'
	printf 'E1,8=FIX.4.2\0019=63\00135=A\00134=1\00149=ISLD\00152=00000000-00:00:00.000\00156=TW42\00198=0\001108=30\00110=0\001\n'
	echo "i2,CONNECT"
	printf 'I2,8=FIX.4.2\00135=A\00134=1\00149=TW42\00152=<TIME>\00156=ISLD\00198=0\001108=30\001\n'
	echo "e2,DISCONNECT"
	echo "i1,DISCONNECT"
} >"$tmp/fix/server/t/dup.def"
run 0 '^PASS t/dup.def' FIX_FAKE_MODE=good -- --tranched "$FAKE" "$tmp/fix/server/t/dup.def"

echo "== a directory in parallel: one failure fails the run"
def wrongvalue 31
run 1 '3 definitions: 2 passed, 1 failed' FIX_FAKE_MODE=good -- --tranched "$FAKE" -j 3 \
	"$tmp/fix/server/t"
rm "$tmp/fix/server/t/wrongvalue.def"

echo "== an absent directory is skipped only when asked"
run 77 '^SKIP: ' -- --skip-absent --tranched "$FAKE" "$tmp/nowhere"
run 2 'nowhere: No such file' -- --tranched "$FAKE" "$tmp/nowhere"

echo "== fix-garbage fails an acceptor that does not answer a TestRequest"
if [ -n "${GARBAGE:-}" ]; then
	out=$("$GARBAGE" --tranched "$FAKE" --workdir "$tmp/work" --only one-byte 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(FAIL|PASS)' | sed 's/^/  /'
	[ "$rc" -eq 1 ] || fail "fix-garbage against fix-fake: exit status $rc, not 1"
	printf '%s\n' "$out" | grep -q '^FAIL 1-byte writes: a TestRequest sent one byte at a time got no Heartbeat' ||
		fail "fix-garbage against fix-fake: no FAIL for the unanswered TestRequest"
fi

if [ -n "$TRANCHED" ]; then
	echo "== the real acceptor against the definition edited to expect HeartBtInt 31"
	def wrongvalue 31
	run 1 'field 8 \(108\): expected "31", got "30"' -- --tranched "$TRANCHED" \
		"$tmp/fix/server/t/wrongvalue.def"
fi

[ "$status" -eq 0 ] && echo "suite-selftest: all cases behaved"
exit "$status"
