#!/bin/bash
# tests/integration/rfq-recover.sh TRANCHED TRANCHE -- a trader's request
# for quotes, driven through `tranche ctl` against the real daemon: bad
# input is refused naming the field and the value and changes nothing; a
# viewer may not ask; a quote is accepted with a reason and filled at its
# price; then the engine is killed (SIGKILL) and recovered from its journal,
# and the block is as it was, with the accepted fill in the journal exactly
# once; a rejected request and an expired one end as such, and deciding on
# either again is refused saying how it ended.
set -eu
TRANCHED=$1 TRANCHE=$2
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

url=ipc://$tmp/e
# The router's own requests are kept out of the way (a trigger no block
# reaches): every request here is the trader's.
run=(--scenario calm --seed 5 --listen "$url" --journal "$tmp/j.trj"
	--set orders.0.venues=lit,dark,rfq --set orders.0.rfq_trigger=1000)
ctl() { "$TRANCHE" ctl --connect "$url" --timeout 3000 "$@"; }
start() {
	"$TRANCHED" "$@" 2>>"$tmp/engine.err" &
	pid=$!
	for _ in $(seq 100); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "the engine did not answer: $(cat "$tmp/engine.err")"
}
start "${run[@]}" --speed 60

# Bad input: each refusal names the field and the value, and no request
# is made (the snapshot holds none).
expect_refused() {
	local want=$1
	shift
	if out=$(ctl "$@" 2>&1); then fail "accepted: $* ($out)"; fi
	echo "$out" | grep -qF -- "$want" || fail "$*: '$out' does not say '$want'"
}
expect_refused 'field "dealers" "D9": no such dealer' rfq 1 5000 D9 --reason r
expect_refused 'field "dealers" "": names no dealer' rfq 1 5000 '' --reason r
expect_refused 'field "dealers" "D1,D1": names D1 twice' rfq 1 5000 D1,D1 --reason r
expect_refused 'field "dealers" "D1,": ends with a comma' rfq 1 5000 D1, --reason r
expect_refused 'field "qty" 900000: above what is unworked' \
	rfq 1 900000 --reason r
expect_refused "--deadline" rfq 1 5000 --deadline 601 --reason r
expect_refused 'field "qty" "1e309": must be a whole number' \
	rfq 1 1e309 --reason r
expect_refused 'field "block" "0x1": must be a block id' rfq 0x1 5000 --reason r
expect_refused 'block 7: no such block' rfq 7 5000 --reason r
expect_refused 'role viewer may not' --role viewer rfq 1 5000 --reason r
ctl venue dealer=D2 enabled=false --role supervisor --reason "test" \
	>/dev/null || fail "turning D2 off"
expect_refused 'field "dealers" "D2": turned off by a supervisor' \
	rfq 1 5000 D2 --reason r
[ "$(ctl snapshot --json | jq '.rfqs | length')" = 0 ] ||
	fail "a refused request left a record"

# Ask three dealers, wait for a quote, accept it with a reason.
# Deadlines are long in wall time (10 s at 60x): a loaded machine's slow
# ctl must not see a request expire under it.
rfq=$(ctl rfq 1 20000 D1,D3,D5 --deadline 600 --reason "block size" --json |
	jq -r .rfq)
[ -n "$rfq" ] && [ "$rfq" != null ] || fail "no request id"
expect_refused "field \"dealer\" \"D2\": was not asked on $rfq" \
	accept "$rfq" D2 --reason r
dealer=
for _ in $(seq 200); do
	dealer=$(ctl snapshot --json | jq -r --arg r "$rfq" '.rfqs[] |
	    select(.id == $r) | [.dealers[] | select(.status == "quoted")][0]
	    .dealer // empty')
	[ -n "$dealer" ] && break
	sleep 0.05
done
[ -n "$dealer" ] || fail "no dealer quoted on $rfq"
ctl accept "$rfq" "$dealer" --reason "best of the desk" --json > "$tmp/acc.json" ||
	fail "accept refused: $(cat "$tmp/acc.json")"
px=$(jq -r .px "$tmp/acc.json")
jq -e '.filled == 20000' "$tmp/acc.json" >/dev/null ||
	fail "the accepted quote did not fill 20,000: $(cat "$tmp/acc.json")"
expect_refused "rfq $rfq: accepted at" accept "$rfq" "$dealer" --reason again

# Freeze the block (paused: no new children) and take its state.
ctl pause --block 1 --reason "hold for the check" >/dev/null ||
	fail "pause refused"
block_state() {
	ctl status --json | jq -cS '.blocks[0] | {state, filled, remaining,
	    avg_px, venue_filled, passive_filled}'
}
before=$(block_state)
echo "$before" | jq -e '.venue_filled.rfq == 20000' >/dev/null ||
	fail "the block does not count the dealer's fill: $before"

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
start --journal "$tmp/j.trj" --listen "$url" --speed 60
grep -q "continuing the session" "$tmp/engine.err" ||
	fail "the engine did not recover: $(cat "$tmp/engine.err")"
after=$(block_state)
[ "$before" = "$after" ] ||
	fail "the recovered block differs: before $before, after $after"
ctl snapshot --json | jq -e --arg r "$rfq" --arg d "$dealer" --argjson px "$px" \
	'.rfqs[] | select(.id == $r) | .state == "accepted" and .dealer == $d
	    and .px == $px and .filled == 20000' >/dev/null ||
	fail "the recovered request is not $rfq accepted from $dealer at $px"

# The dealer's fill is in the journal once: the re-simulated one was not
# written again.
child="c${rfq#r}"
n=$(strings -n 8 "$tmp/j.trj" | grep -a '^{"v"' |
	jq -cR 'fromjson? // empty' 2>/dev/null |
	jq -s --arg c "$child" '[.[] | select(.child == $c and .venue == "rfq" and
	    .liq != null)] | length')
[ "$n" = 1 ] || fail "the accepted fill is in the journal $n times"

# A rejected request and one that expires.
ctl resume --block 1 --reason "carry on" >/dev/null || fail "resume refused"
rej=$(ctl rfq 1 5000 --deadline 600 --reason "see the price" --json |
	jq -r .rfq)
out=$(ctl reject "$rej" --reason "too wide" 2>&1) ||
	fail "reject of $rej refused: $out"
expect_refused "rfq $rej: rejected at" reject "$rej" --reason again
exp=$(ctl rfq 1 5000 D1 --deadline 2 --reason "quick look" --json | jq -r .rfq)
state=
for _ in $(seq 100); do
	state=$(ctl snapshot --json | jq -r --arg r "$exp" \
	    '.rfqs[] | select(.id == $r) | .state')
	[ "$state" = expired ] && break
	sleep 0.05
done
[ "$state" = expired ] || fail "$exp did not expire (state $state)"
expect_refused "rfq $exp: expired at" accept "$exp" D1 --reason late
ctl snapshot --json | jq -e --arg r "$rej" \
	'.rfqs[] | select(.id == $r) | .state == "rejected" and
	    .reason == "too wide" and .filled == 0' >/dev/null ||
	fail "$rej is not rejected with its reason"
# The audit log says what was done, in words.
ctl snapshot --json | jq -e --arg a "accept $rfq $dealer" \
	'[.audit[] | .what] | index($a) != null' >/dev/null ||
	fail "no audit record 'accept $rfq $dealer'"
echo "PASS rfq-recover"
