#!/bin/bash
# tests/integration/recover-dealers.sh TRANCHED MODEL -- a session whose
# requests for quotes the dealer model chose (dealers learned:K) is
# continued only with that dealer model, as a learned session is with its
# policy (recover-model.sh).  Found by a probe on 2026-12-05: a restart
# with a changed dealer model file re-simulated other requests, accepted
# the session and wrote a second request r86 with other dealers into the
# journal, or diverged with no word of the model.  The engine names the
# dealer model it loads and its digest; each request the model chose
# carries the digest; another model is refused before anything is
# re-simulated, the journal unchanged; the same model continues.
set -u
TRANCHED=$1 MODEL=$2
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
cp "$MODEL" "$tmp/dm.json"
jq -c '.leak_a |= reverse' "$MODEL" > "$tmp/other.json"
run=(--scenario block-share --seed 4 --set orders.0.venues=lit,dark,rfq
	--set orders.0.dealers=learned:2 --set orders.0.rfq_every_s=120
	--set orders.0.end=12:00:00)
cd /
TRANCHE_DEALER_MODEL=$tmp/dm.json "$TRANCHED" "${run[@]}" --speed 200 \
	--journal "$tmp/j.trj" --listen "ipc://$tmp/e" 2> "$tmp/a.err" &
pid=$!
for _ in $(seq 300); do
	grep -q '"dealer_model_digest"' "$tmp/j.trj" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || fail "first run: $(cat "$tmp/a.err")"
	sleep 0.1
done
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
digest=$(grep -ao '"dealer_model_digest":"[0-9a-f]*"' "$tmp/j.trj" | head -1 |
	cut -d'"' -f4)
[ ${#digest} -eq 16 ] || fail "no request names its dealer model"
grep -q "dealer model $tmp/dm.json: digest $digest" "$tmp/a.err" ||
	fail "the engine's log does not name its dealer model: $(cat "$tmp/a.err")"
sum=$(cksum < "$tmp/j.trj")

TRANCHE_DEALER_MODEL=$tmp/other.json timeout 60 "$TRANCHED" --journal \
	"$tmp/j.trj" --speed max --exit-when-done --listen "ipc://$tmp/e" \
	2> "$tmp/b.err" && fail "recovery with another dealer model was not refused"
grep -q "chosen by dealer model $digest" "$tmp/b.err" ||
	fail "the refusal does not name the session's model: $(head -3 "$tmp/b.err")"
grep -q "TRANCHE_DEALER_MODEL" "$tmp/b.err" ||
	fail "the refusal does not say what to do: $(head -3 "$tmp/b.err")"
[ "$(cksum < "$tmp/j.trj")" = "$sum" ] ||
	fail "the refused recovery changed the journal"

TRANCHE_DEALER_MODEL=$tmp/dm.json timeout 120 "$TRANCHED" --journal \
	"$tmp/j.trj" --speed max --exit-when-done --listen "ipc://$tmp/e" \
	2> "$tmp/c.err" || fail "recovery with the same model: $(tail -3 "$tmp/c.err")"
grep -q "continuing the session" "$tmp/c.err" ||
	fail "recovery said nothing: $(head -3 "$tmp/c.err")"
[ "$(grep -ao '"dealer_model_digest":"[0-9a-f]*"' "$tmp/j.trj" | sort -u |
	wc -l)" -eq 1 ] || fail "the continued session names another dealer model"
echo "PASS recover-dealers"
