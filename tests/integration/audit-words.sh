#!/bin/bash
# tests/integration/audit-words.sh TRANCHED TRANCHE -- every audit record
# names the person and says what they did with the values, in words.
#
# A token in the tokens file maps to its NAME ("ROLE TOKEN NAME"); a line
# without one (an older file) is named after its role and number; a
# malformed name stops the engine naming the line and the value, in the
# file and in $TRANCHE_TOKENS ("ROLE:NAME=TOKEN").  Over ipc:// without a
# token the person is the peer's unix user; over tcp:// without a token
# nobody ("-").  Then every kind of intervention is made and its audit
# event and its command record in the journal are read back: "user" and
# "what" (throttle with the old values, style with its duration, algo old
# -> new, limit and manual order in dollars, pause/resume with the state
# they replaced, speed, kill, release, ack, cancel, submit,
# journal_resume; a block given as "01" is block 1, and a refused "1e0" no
# block), and the snapshot's audit list carries the same.  No
# token is written in the journal.
set -u
TRANCHED=$1 TRANCHE=$2
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		sleep 0.3
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
mkdir -p "$XDG_CONFIG_HOME/tranche"
tokens=$XDG_CONFIG_HOME/tranche/tokens
me=$(id -un)

# A malformed name: refused with the line and the value, nothing started.
printf '# desk\ntrader trader-token-9 j.smith\nsupervisor super-token-9 bad/name\n' > "$tokens"
chmod 600 "$tokens"
timeout 10 "$TRANCHED" --listen "ipc://$tmp/x" --journal "$tmp/x.trj" \
	2> "$tmp/err" && fail "started with a malformed name"
grep -q "tokens file $tokens:3: name \"bad/name\": must be 1 to 32" "$tmp/err" ||
	fail "malformed name not named with its line: $(cat "$tmp/err")"
[ -e "$tmp/x.trj" ] && fail "a journal was started"
printf 'trader trader-token-9 j.smith\n' > "$tokens"
TRANCHE_TOKENS="viewer:no!way=view-token-9" timeout 10 "$TRANCHED" \
	--listen "ipc://$tmp/y" --journal "$tmp/y.trj" 2> "$tmp/err" &&
	fail "started with a malformed name in TRANCHE_TOKENS"
grep -q "TRANCHE_TOKENS: name \"no!way\"" "$tmp/err" ||
	fail "malformed name in TRANCHE_TOKENS not named: $(cat "$tmp/err")"

# The desk: a named supervisor, an old-style trader line (no name), a
# named viewer from the environment; ipc:// and tcp://.
printf 'supervisor super-token-1 j.smith\ntrader trader-token-2\n' > "$tokens"
# The tcp:// port is below the kernel's ephemeral range (32768 up), where
# no outgoing connection takes it, and the next one is tried when another
# test has it ("in use").
url=ipc://$tmp/ctl
ctl() { "$TRANCHE" ctl --connect "$url" --timeout 3000 "$@"; }
for try in $(seq 0 9); do
	port=$((20000 + ($$ * 2 + try * 2) % 12000))
	rm -f "$tmp/j.trj"
	TRANCHE_TOKENS="viewer:v.jones=view-token-3" "$TRANCHED" --scenario calm \
		--seed 3 --speed 60 --listen "$url" --listen "tcp://127.0.0.1:$port" \
		--journal "$tmp/j.trj" 2> "$tmp/engine.err" &
	pid=$!
	for _ in $(seq 100); do
		ctl status >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && break
	wait "$pid" 2>/dev/null
	pid=
	grep -q "in use" "$tmp/engine.err" || break
done
ctl status >/dev/null 2>&1 || fail "engine did not start: $(cat "$tmp/engine.err")"
sup=(--token super-token-1 --role supervisor)
trd=(--token trader-token-2)

ctl "${sup[@]}" throttle 12 --block 1 --reason "reduce footprint" >/dev/null ||
	fail "throttle refused"
ctl throttle max_child=2000 aggression=neutral --block 1 --reason "smaller" \
	>/dev/null || fail "throttle max_child refused"
ctl "${trd[@]}" override --block 1 action=style style=passive for_s=600 \
	--reason "quiet" >/dev/null || fail "style refused"
ctl override --block 1 action=algo algo=vwap --reason "switch" >/dev/null ||
	fail "algo refused"
ctl override --block 1 action=limit px=9980 --reason "floor" >/dev/null ||
	fail "limit refused"
ctl override --block 1 action=child px=10030 qty=1000 --reason "by hand" \
	>/dev/null 2>&1
ctl override --block 1 action=cancel_children --reason "clear" >/dev/null ||
	fail "cancel_children refused"
ctl --role supervisor throttle at_end=leave --block 1 --reason "no cross" \
	>/dev/null || fail "throttle at_end refused"
ctl --role supervisor override --block 1 action=cost_limit bps=40 \
	--reason "tight" >/dev/null || fail "cost_limit refused"
ctl --role supervisor override --block 1 action=cost_limit bps=-1 \
	--reason "typo" >/dev/null 2>&1 && fail "cost_limit -1 accepted"
ctl pause --block 1 --reason "look" >/dev/null || fail "pause refused"
ctl resume --block 1 --reason "go" >/dev/null || fail "resume refused"
# The block as the handler reads it: "01" is block 1 (it was audited as
# "block ?"), and a refused "1e0" is not a change to block 1.
ctl throttle 13 --block 01 --reason "zero first" >/dev/null ||
	fail "throttle of block 01 refused"
ctl throttle 14 --block 1e0 --reason "exponent" >/dev/null 2>&1 &&
	fail "throttle of block 1e0 accepted"
ctl --role supervisor speed speed=120 --reason "faster" >/dev/null ||
	fail "speed refused"
ctl --role supervisor kill --reason "stop all" >/dev/null || fail "kill refused"
ctl --role supervisor release --reason "carry on" >/dev/null ||
	fail "release refused"
alert=$(ctl snapshot --json | jq -r '.alerts[0].seq')
ctl ack alert="$alert" --reason "seen" >/dev/null || fail "ack refused"
ctl submit sym=QDI side=buy qty=1000 duration_s=600 --reason "top up" \
	>/dev/null || fail "submit refused"
ctl cancel --block 2 --reason "not needed" >/dev/null || fail "cancel refused"
ctl --role supervisor journal_resume --reason "disk?" >/dev/null 2>&1
ctl --token view-token-3 --role viewer pause --block 1 --reason "may I" \
	>/dev/null 2>&1 &&
	fail "a viewer paused"
"$TRANCHE" ctl --connect "tcp://127.0.0.1:$port" --timeout 3000 pause \
	--reason "anyone" >/dev/null 2>&1 && fail "a tokenless tcp peer paused"
ctl snapshot --json > "$tmp/snap.json" || fail "snapshot refused"

# The journal's audit events and command records, one JSON object a line
# (a record's frame header may print as a few characters before its JSON).
strings -n 8 "$tmp/j.trj" | grep -ao '{".*' | jq -cR 'fromjson? // empty' \
	> "$tmp/all.json"
jq -c 'select(.v != null and .cmd != null and .result != null)' \
	"$tmp/all.json" > "$tmp/audit.json"
jq -c 'select(.req != null and .rep != null)' "$tmp/all.json" > "$tmp/cmds.json"

# expect USER ROLE OK WHAT: an audit event and a command record with them.
expect() {
	jq -se --arg u "$1" --arg r "$2" --argjson ok "$3" --arg w "$4" \
		'any(.user == $u and .role == $r and .ok == $ok and .what == $w)' \
		"$tmp/audit.json" >/dev/null ||
		fail "no audit event: $1 ($2) $4 ok=$3; the events: $(jq -c '[.user,.role,.what,.ok]' "$tmp/audit.json")"
	jq -se --arg u "$1" --arg r "$2" --argjson ok "$3" --arg w "$4" \
		'any(.user == $u and .role == $r and .rep.ok == $ok and
		    .what == $w)' "$tmp/cmds.json" >/dev/null ||
		fail "no command record: $1 ($2) $4"
}
expect j.smith supervisor true "throttle block 1 12% (was 100%)"
expect "$me" trader true "throttle block 1 max child 2,000 (was none) aggression neutral (was aggressive)"
expect "trader#1" trader true "style block 1 passive for 600 s (was none)"
expect "$me" trader true "algo block 1 twap -> vwap"
expect "$me" trader true "limit block 1 99.80 (was none)"
expect "$me" supervisor true "throttle block 1 at end leave (was cross)"
expect "$me" supervisor true "cost limit block 1 40 bps (was the scenario's)"
expect "$me" supervisor false "cost limit block 1 -1 bps (was 40 bps)"
jq -se --arg u "$me" 'any(.user == $u and .what == "manual block 1 sell 1,000 @ 100.30")' \
	"$tmp/audit.json" >/dev/null || fail "no manual order in words"
expect "$me" trader true "cancel children block 1"
expect "$me" trader true "pause block 1 (was WORKING)"
expect "$me" trader true "throttle block 1 13% (was 12%)"
expect "$me" trader false "throttle block ? 14%"
expect "$me" trader true "resume block 1 (was PAUSED)"
expect "$me" supervisor true "speed 120x (was 60x)"
expect "$me" supervisor true "kill switch on"
expect "$me" supervisor true "kill switch off"
expect "$me" trader true "ack alert $alert"
expect "$me" trader true "submit buy 1,000 QDI twap -> block 2"
jq -se --arg u "$me" 'any(.user == $u and (.what // "" | test(
	"^cancel block 2 \\(was WORKING, [0-9,]+ of 1,000 filled\\)$")))' \
	"$tmp/audit.json" >/dev/null || fail "no cancel in words"
expect "$me" supervisor false "journal resume"
expect v.jones viewer false "pause block 1 (was WORKING)"
# A tcp:// peer with no token is nobody: the refusal says "-" and its peer.
# (tranche ctl says hello first: that is what is refused.)
jq -se 'any(.user == "-" and .cmd == "hello" and .ok == false and
	(.peer // "" | startswith("tcp ")))' "$tmp/audit.json" >/dev/null ||
	fail "the tokenless tcp refusal does not say user \"-\": $(grep -a '"peer"' "$tmp/audit.json" | head -3)"
# The snapshot's audit list (what a console attaching now is given).
jq -e '[.audit[] | select(.user == "j.smith" and
	.what == "throttle block 1 12% (was 100%)" and
	.reason == "reduce footprint")] | length == 1' "$tmp/snap.json" >/dev/null ||
	fail "the snapshot's audit list does not name the person and values"
# The tokens themselves are never in the journal (a hello's token is
# written "(not journaled)"), good or wrong.
grep -qa -e super-token-1 -e trader-token-2 -e view-token-3 "$tmp/j.trj" &&
	fail "a token is written in the journal"
jq -se 'any(.req.cmd == "hello" and .req.token == "(not journaled)")' \
	"$tmp/cmds.json" >/dev/null || fail "no hello with its token withheld"
echo "PASS audit-words"
