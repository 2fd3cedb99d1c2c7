#!/bin/bash
# tests/integration/tca-exact.sh TRANCHED -- `tranched tca` of one seed does
# not depend on the wall clock, and counts every fill of every child.
#
# One seed's session is run three times: flat out, at 400x, and at 400x
# killed (SIGKILL) part-way and recovered from its journal flat out.  The
# three reports must be identical, field for field, children included:
# the TWAP of the mid, the markouts and the end price come from the
# engine's simulated-time "mid" events and the block's own end, not from
# book events conflated at 20 a second of wall time (which made two speeds
# disagree).  Then, on that report: the children's filled add up to the
# block's, each child's filled is the sum of the journal's fill events for
# it, and crossing children (which fill while being sent, before their
# child event) are counted (they were reported as filled 0).
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
# A ten-minute block: the calm scenario's TWAP, its end-of-window clean-up
# crossing what is left (what the book cannot take leaves it EXPIRED).
run=(--scenario calm --seed 7 --exit-when-done --set orders.0.end=09:40:00)

"$TRANCHED" "${run[@]}" --speed max --journal "$tmp/max.trj" \
	--listen "ipc://$tmp/a" 2>/dev/null || fail "run at speed max failed"
"$TRANCHED" "${run[@]}" --speed 400 --journal "$tmp/400.trj" \
	--listen "ipc://$tmp/b" 2>/dev/null || fail "run at speed 400 failed"
"$TRANCHED" tca "$tmp/max.trj" --json > "$tmp/max.json" || fail "tca (max)"
"$TRANCHED" tca "$tmp/400.trj" --json > "$tmp/400.json" || fail "tca (400)"
jq -e '(.state == "DONE" or .state == "EXPIRED") and .filled > 0 and .twap_mid > 0' "$tmp/max.json" \
	>/dev/null || fail "not a finished block: $(head -c 300 "$tmp/max.json")"
if ! cmp -s "$tmp/max.json" "$tmp/400.json"; then
	diff <(jq -S 'del(.children)' "$tmp/max.json") \
	    <(jq -S 'del(.children)' "$tmp/400.json") >&2 || true
	fail "speed max and speed 400 give different reports of one seed"
fi

# Killed part-way: once the journal holds a fill, SIGKILL, then the same
# journal continued flat out.
"$TRANCHED" "${run[@]}" --speed 400 --journal "$tmp/crash.trj" \
	--listen "ipc://$tmp/c" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 200); do
	f=$("$TRANCHED" tca "$tmp/crash.trj" --json 2>/dev/null |
	    jq -r '.filled' 2>/dev/null || true)
	[ -n "$f" ] && [ "$f" -gt 0 ] && break
	sleep 0.05
done
kill -9 "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
"$TRANCHED" tca "$tmp/crash.trj" --json 2>/dev/null |
	jq -e '.state != "DONE" and .state != "EXPIRED"' >/dev/null ||
	fail "the block finished before the kill: nothing was recovered"
"$TRANCHED" --speed max --exit-when-done --journal "$tmp/crash.trj" \
	--listen "ipc://$tmp/d" 2>"$tmp/recover.err" ||
	fail "recovery failed: $(cat "$tmp/recover.err")"
grep -q "continuing the session" "$tmp/recover.err" ||
	fail "the engine did not recover: $(cat "$tmp/recover.err")"
"$TRANCHED" tca "$tmp/crash.trj" --json > "$tmp/crash.json" || fail "tca (crash)"
if ! cmp -s "$tmp/max.json" "$tmp/crash.json"; then
	diff <(jq -S 'del(.children)' "$tmp/max.json") \
	    <(jq -S 'del(.children)' "$tmp/crash.json") >&2 || true
	fail "the recovered session's report differs from the uninterrupted one"
fi

# Every fill of every child.  The journal's fill events, one JSON object a
# line (see tca-journal.sh for how they are read out of the records).
strings -n 8 "$tmp/max.trj" | grep -a '^{"v"' | jq -cR 'fromjson? // empty' |
	jq -c 'select(.liq != null and .child != null)' > "$tmp/fills.json"
jq -e '([.children[].filled] | add) == .filled' "$tmp/max.json" >/dev/null ||
	fail "children count $(jq '[.children[].filled] | add' "$tmp/max.json") of $(jq .filled "$tmp/max.json") shares filled"
bad=$(jq -rn --slurpfile f "$tmp/fills.json" --slurpfile r "$tmp/max.json" '
	($f | group_by(.child) | map({key: .[0].child,
	    value: (map(.qty) | add)}) | from_entries) as $want
	| $r[0].children[]
	| select(.filled != ($want[.id] // 0))
	| "child \(.id) (\(.style)): tca filled \(.filled), journal \($want[.id] // 0)"')
[ -z "$bad" ] || fail "children's filled disagree with the journal: $bad"
jq -e '[.children[] | select(.style == "cross" and .filled > 0)] | length > 0' \
	"$tmp/max.json" >/dev/null || fail "no crossing child counted a fill"

# Several symbols: each market's trades, fills and children carry its own
# time.  They carried the first market's, which is ahead of the second's
# by up to the loop's step while each is advanced in turn: found by a
# probe on 2026-12-05, 92 of 1,002 XYZ fills 0.2 to 0.8 s apart between
# speed max and 200x, and markouts 0.001 bps apart.  Half an hour at 400x
# shows it too, in under 5 s.
prog=(--scenario program --seed 9 --exit-when-done --set orders.0.end=10:00:00
	--set orders.1.end=10:00:00)
"$TRANCHED" "${prog[@]}" --speed max --journal "$tmp/pmax.trj" \
	--listen "ipc://$tmp/e" 2>/dev/null || fail "program at speed max failed"
"$TRANCHED" "${prog[@]}" --speed 400 --journal "$tmp/p200.trj" \
	--listen "ipc://$tmp/f" 2>/dev/null || fail "program at speed 400 failed"
"$TRANCHED" tca "$tmp/pmax.trj" --csv > "$tmp/pmax.csv" || fail "tca (pmax)"
"$TRANCHED" tca "$tmp/p200.trj" --csv > "$tmp/p200.csv" || fail "tca (p200)"
if ! cmp -s "$tmp/pmax.csv" "$tmp/p200.csv"; then
	diff "$tmp/pmax.csv" "$tmp/p200.csv" >&2 || true
	fail "two symbols: speed max and speed 400 give different reports"
fi
# Rows in block order whatever order the journal first names them in
# (which block's market was stepped first; the session line's sum of
# dollars follows the row order too).  Here the journal names block 2
# first; the report said 2 then 1.
first=$(strings -n 8 "$tmp/pmax.trj" | grep -a -o -m1 '"block":"[0-9]*"')
[ "$first" = '"block":"2"' ] ||
	fail "the journal names $first first: this check needs block 2 first"
rows=$(tail -n +2 "$tmp/pmax.csv" | cut -d, -f1 | tr '\n' ' ')
[ "$rows" = "1 2 " ] || fail "tca rows in the order '$rows', not block order"
echo "PASS tca-exact"
