#!/bin/bash
# tests/integration/dealers-journal.sh TRANCHED -- the real daemon asking
# dealers learned:2: every request's decision says which dealers it asked
# with their p(competitive) and leakage estimates, every request becomes an
# rfq-outcome decision carrying its training record, a model retrains from
# the journal, and a session killed part-way and recovered records the same
# requests as one never killed (the dealer history is rebuilt, not lost).
# A missing model, a bad K, a damaged journal or one without requests is
# refused, naming the file or the value.
set -eu
TRANCHED=$1
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")/../.." && pwd)
export TRANCHE_SCENARIO_DIR=$here/engine/scenarios
export TRANCHE_DEALER_MODEL=$here/engine/models/dealers.json
run=(--scenario block-share --seed 7 --exit-when-done
	--set orders.0.end=10:30:00 --set orders.0.venues=lit,dark,rfq
	--set orders.0.rfq_every_s=300 --set orders.0.dealers=learned:2)
# The decisions of a journal, one JSON object a line.
decisions() {
	strings -n 8 "$1" | grep -a '^{"v"' | jq -cR 'fromjson? // empty' |
		jq -c 'select(.action != null)'
}

"$TRANCHED" "${run[@]}" --speed max --journal "$tmp/max.trj" \
	--listen "ipc://$tmp/a" 2>"$tmp/max.err" ||
	fail "run at speed max failed: $(cat "$tmp/max.err")"
decisions "$tmp/max.trj" > "$tmp/max.dec"
jq -se '[.[] | select(.action == "rfq")] | length >= 3 and
	all(.reason | test("^asked D[0-9],D[0-9]: p\\(competitive\\) [0-9.]+,[0-9.]+, leakage est -?[0-9.]+,-?[0-9.]+ bps; skipped D[0-9]: "))' \
	"$tmp/max.dec" >/dev/null ||
	fail "rfq decisions without the model's reason: $(jq -c 'select(.action == "rfq") | .reason' "$tmp/max.dec" | head -3)"
jq -c 'select(.action == "rfq-outcome") | .dealer_obs' "$tmp/max.dec" \
	> "$tmp/max.obs"
n=$(wc -l < "$tmp/max.obs")
[ "$n" -ge 3 ] || fail "only $n rfq-outcome records"
jq -se 'all(([.dealers[] | select(.asked)] | length) == 2)' "$tmp/max.obs" \
	>/dev/null || fail "a learned:2 request did not ask two dealers"

out=$("$TRANCHED" train-dealers --from-journal "$tmp/max.trj" \
	--out "$tmp/m.json" 2>&1) || fail "retrain from the journal: $out"
echo "$out" | grep -q "trained on $n requests" ||
	fail "retrained on other than the $n requests recorded: $out"
jq -e '.format == "tranche-dealers" and .meta.train_requests == '"$n" \
	"$tmp/m.json" >/dev/null || fail "retrained model file: $(head -c 300 "$tmp/m.json")"
out=$("$TRANCHED" train-dealers --from-journal "$tmp/none.trj" \
	--out "$tmp/x.json" 2>&1) && fail "a missing journal was accepted"
echo "$out" | grep -q "none.trj" || fail "missing journal not named: $out"
# A journal with damage in the middle is refused, naming it; one without
# requests (a lit-only session, or one from before the records) says so.
cp "$tmp/max.trj" "$tmp/bad.trj"
size=$(stat -c %s "$tmp/bad.trj")
printf 'XXXXXXXX' | dd of="$tmp/bad.trj" bs=1 seek=$((size / 2)) conv=notrunc \
	2>/dev/null
out=$("$TRANCHED" train-dealers --from-journal "$tmp/bad.trj" \
	--out "$tmp/x.json" 2>&1) && fail "a damaged journal was accepted"
echo "$out" | grep -q "bad.trj.*damaged" || fail "damage not named: $out"
"$TRANCHED" --scenario calm --seed 1 --exit-when-done --speed max \
	--set orders.0.end=09:45:00 --journal "$tmp/lit.trj" \
	--listen "ipc://$tmp/b" 2>/dev/null || fail "lit-only run failed"
out=$("$TRANCHED" train-dealers --from-journal "$tmp/lit.trj" \
	--out "$tmp/x.json" 2>&1) && fail "a journal without requests trained"
echo "$out" | grep -q "hold no dealer requests" ||
	fail "no requests not said: $out"
[ ! -e "$tmp/x.json" ] || fail "a refused retrain wrote a model"

# Killed once it has a measured request, recovered, continued: the same
# requests, the same records.
"$TRANCHED" "${run[@]}" --speed 400 --journal "$tmp/crash.trj" \
	--listen "ipc://$tmp/c" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 600); do
	strings -n 8 "$tmp/crash.trj" 2>/dev/null | grep -qa '"rfq-outcome"' && break
	sleep 0.02
done
kill -9 "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
decisions "$tmp/crash.trj" | jq -se '[.[] | select(.action == "rfq-outcome")]
	| length >= 1 and length < '"$n" >/dev/null ||
	fail "killed before a measured request or after the last"
"$TRANCHED" --speed max --exit-when-done --journal "$tmp/crash.trj" \
	--listen "ipc://$tmp/d" 2>"$tmp/recover.err" ||
	fail "recovery failed: $(cat "$tmp/recover.err")"
grep -q "continuing the session" "$tmp/recover.err" ||
	fail "the engine did not recover: $(cat "$tmp/recover.err")"
decisions "$tmp/crash.trj" | jq -c 'select(.action == "rfq-outcome") |
	.dealer_obs' > "$tmp/crash.obs"
cmp -s "$tmp/max.obs" "$tmp/crash.obs" || {
	diff "$tmp/max.obs" "$tmp/crash.obs" | head -5 >&2
	fail "the recovered session's requests differ from the uninterrupted one's"
}

# Refusals name what is wrong and start nothing.
out=$(TRANCHE_DEALER_MODEL=$tmp/absent.json "$TRANCHED" "${run[@]}" \
	--speed max --listen "ipc://$tmp/e" 2>&1) &&
	fail "learned:2 without a model file started"
echo "$out" | grep -q "absent.json" || fail "missing model not named: $out"
out=$("$TRANCHED" "${run[@]}" --set orders.0.dealers=learned:9 --speed max \
	--listen "ipc://$tmp/f" 2>&1) && fail "learned:9 of 6 dealers started"
echo "$out" | grep -q "learned:9" || fail "bad K not named: $out"
echo "PASS dealers-journal ($n requests)"
