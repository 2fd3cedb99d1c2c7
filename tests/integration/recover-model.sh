#!/bin/bash
# tests/integration/recover-model.sh TRANCHED MODEL -- a session traded by
# the learned policy is continued only with the model that decided it.
# Its decisions carry the model's digest (what decides: weights, features,
# news rule; not the record); a restart whose engine would load another
# model is refused before it re-simulates anything, naming both digests
# and what to do, and the journal is left as it was, a torn tail too; `tranched model`
# finds the file that has the session's digest; the same weights under
# another name and record continue it.
set -u
TRANCHED=$1 MODEL=$2
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		sleep 0.5
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

# The session's model, a copy with its record changed (the same weights),
# and one with one weight changed.
cp "$MODEL" "$tmp/m.json"
jq -c '.name = "renamed" | .meta.commit = "elsewhere"' "$MODEL" \
	> "$tmp/same.json"
jq -c '.weights[0] += 0.001' "$MODEL" > "$tmp/other.json"
cat > "$tmp/learned.json" <<'JSON'
{"name":"learned-recover","open":"09:30:00","close":"16:00:00",
 "market":{"sym":"QDI","tick":0.01,"px0":10000},
 "orders":[{"side":"sell","qty":60000,"start":"09:30:00","end":"11:00:00",
            "algo":"learned"}]}
JSON

# The first run, stopped part-way (at 20x a minute passes every 3 s).
cd /
TRANCHE_MODEL=$tmp/m.json "$TRANCHED" --scenario "$tmp/learned.json" \
	--journal "$tmp/j.trj" --speed 20 --listen "ipc://$tmp/e" \
	2> "$tmp/a.err" &
pid=$!
for _ in $(seq 200); do
	grep -q "listening on" "$tmp/a.err" && break
	kill -0 "$pid" 2>/dev/null || fail "first run: $(cat "$tmp/a.err")"
	sleep 0.1
done
sleep 4
kill "$pid"
wait "$pid"
pid=
digest=$(grep -ao '"model_digest":"[0-9a-f]*"' "$tmp/j.trj" | head -1 |
	cut -d'"' -f4)
[ ${#digest} -eq 16 ] ||
	fail "the journal's learned decisions carry no model digest"
[ "$(grep -ao '"model_digest":"[0-9a-f]*"' "$tmp/j.trj" | sort -u |
	wc -l)" -eq 1 ] || fail "the decisions name more than one model"
# A torn tail, as a kill -9 inside a write leaves one: a refused start
# leaves it too (until 2026-12-07 it was cut before the refusal: an
# independent review).
printf '\377\124\152\376\020\000' >> "$tmp/j.trj"
sum=$(cksum < "$tmp/j.trj")
# The engine said which model it loaded, with the digest the decisions
# carry: how an operator finds the session's model file.
grep -q "learned model $tmp/m.json: \"learned\", digest $digest" "$tmp/a.err" ||
	fail "the engine's log does not name its model: $(cat "$tmp/a.err")"

# Another model: refused before anything is re-simulated or written.
TRANCHE_MODEL=$tmp/other.json timeout 60 "$TRANCHED" --journal "$tmp/j.trj" \
	--speed max --exit-when-done --listen "ipc://$tmp/e" 2> "$tmp/b.err" &&
	fail "recovery with another model was not refused"
grep -q "learned decisions were made by model \"learned\" $digest" "$tmp/b.err" ||
	fail "the refusal does not name the session's model: $(head -3 \
	"$tmp/b.err")"
grep -q "$tmp/other.json, is \"learned\" [0-9a-f]\{16\}" "$tmp/b.err" ||
	fail "the refusal does not name this engine's model: $(head -3 \
	"$tmp/b.err")"
grep -q "TRANCHE_MODEL" "$tmp/b.err" ||
	fail "the refusal does not say what to do: $(head -3 "$tmp/b.err")"
grep -q "continuing the session" "$tmp/b.err" &&
	fail "the refused engine says it continued"
[ "$(cksum < "$tmp/j.trj")" = "$sum" ] ||
	fail "the refused recovery changed the journal"

# No model at all: refused, naming the file.
TRANCHE_MODEL=$tmp/none.json timeout 60 "$TRANCHED" --journal "$tmp/j.trj" \
	--speed max --exit-when-done --listen "ipc://$tmp/e" 2> "$tmp/c.err" &&
	fail "recovery with no model was not refused"
grep -q "no usable model: model $tmp/none.json" "$tmp/c.err" ||
	fail "the refusal with no model: $(head -3 "$tmp/c.err")"
[ "$(cksum < "$tmp/j.trj")" = "$sum" ] ||
	fail "the refused recovery changed the journal"

# Which file has the journal's model: `tranched model` prints each file's
# digest, the same number the decisions carry; a file the engine would
# refuse is refused naming it and the field, and the rest are still read.
printf '{"format":"tranche-model","version":5,"name":"x"}' > "$tmp/bad.json"
"$TRANCHED" model "$tmp/m.json" "$tmp/bad.json" "$tmp/same.json" \
	"$tmp/other.json" > "$tmp/info" 2> "$tmp/info.err"
[ $? -eq 1 ] || fail "tranched model did not exit 1 for a bad file"
grep -q "$tmp/bad.json" "$tmp/info.err" ||
	fail "the bad model is not named: $(cat "$tmp/info.err")"
[ "$(grep -c ", digest $digest\$" "$tmp/info")" -eq 2 ] ||
	fail "tranched model does not give the session's digest to the two" \
	"files that have it: $(cat "$tmp/info")"
grep -q "^$tmp/same.json: \"renamed\", digest $digest\$" "$tmp/info" ||
	fail "tranched model on the renamed copy: $(cat "$tmp/info")"
# A name with a terminal's escape sequences prints them as '?': a file
# named so cannot clear the screen or retitle the window of whoever reads.
jq '.name = "evil\u001b[2J\u001b]0;owned\u0007"' "$tmp/m.json" > "$tmp/esc.json"
"$TRANCHED" model "$tmp/esc.json" > "$tmp/esc.out" ||
	fail "tranched model on a name with escapes failed"
grep -q $'[\x01-\x1f\x7f]' "$tmp/esc.out" &&
	fail "tranched model printed a control byte: $(od -c "$tmp/esc.out" | head -3)"
grep -q "^$tmp/esc.json: \"evil?\[2J?\]0;owned?\", digest $digest\$" "$tmp/esc.out" ||
	fail "tranched model on the escaped name: $(cat -v "$tmp/esc.out" | head -1)"
grep "^$tmp/other.json: " "$tmp/info" | grep -q "digest $digest" &&
	fail "tranched model gives the changed model the session's digest"
"$TRANCHED" model --json "$tmp/other.json" "$tmp/m.json" > "$tmp/info.json" ||
	fail "tranched model --json failed"
[ "$(jq -r 'select(.digest == "'"$digest"'") | .file' "$tmp/info.json")" = \
	"$tmp/m.json" ] || fail "tranched model --json: $(cat "$tmp/info.json")"
[ "$(jq -r '.features | length' "$tmp/info.json" | sort -u)" = \
	"$(jq '.features | length' "$MODEL")" ] ||
	fail "tranched model --json features: $(cat "$tmp/info.json")"
"$TRANCHED" model > /dev/null 2>&1
[ $? -eq 2 ] || fail "tranched model with no file did not exit 2"
"$TRANCHED" model --jsno "$tmp/m.json" > /dev/null 2>&1
[ $? -eq 2 ] || fail "tranched model with an unknown option did not exit 2"

# The same weights under another name and record: continued.
TRANCHE_MODEL=$tmp/same.json timeout 120 "$TRANCHED" --journal "$tmp/j.trj" \
	--speed max --exit-when-done --listen "ipc://$tmp/e" 2> "$tmp/d.err" ||
	fail "recovery with the same weights refused: $(head -3 "$tmp/d.err")"
grep -q "continuing the session" "$tmp/d.err" ||
	fail "recovery said nothing: $(head -3 "$tmp/d.err")"
grep -q "torn tail of 6 bytes" "$tmp/d.err" ||
	fail "the continued session did not find the torn tail: $(head -3 \
	"$tmp/d.err")"
"$TRANCHED" journal check "$tmp/j.trj" > "$tmp/check" ||
	fail "the continued journal: $(cat "$tmp/check")"
[ "$(grep -ao '"model_digest":"[0-9a-f]*"' "$tmp/j.trj" | sort -u |
	wc -l)" -eq 1 ] || fail "the continued session names another model"
echo "PASS recover-model"
