#!/bin/bash
# tests/integration/adapt-daemon.sh TRANCHED -- the adaptive algorithms in
# the real engine, read back from the journal it wrote.
#
# news-shock's headline, moved to 09:35 so the sessions are short, is a
# fast fall with selling flow against its sell block.  Worked with `event`
# (4 sigmas in 10 s, a quarter of the remainder: the mechanism, not the
# tuned defaults), the journal must hold a decision whose reason starts
# "event:" within a simulated minute of the headline, off the one-minute
# grid (the rule was woken by the market, not by the clock), carrying a
# plan with a lump; and no two of the block's decisions may be closer than
# the rule's five seconds.  The same session at 400x must give the same
# tca report, field for field: decisions woken by the market do not
# depend on how the wall clock slices time.  Worked with `ais-aggr`, every
# decision carries a plan with an urgency, and once the fall (against the
# seller) has set in the urgency is below AC's at the same time.  A block
# with event_f out of range is refused naming it.
set -eu
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
headline=$((34500 * 1000000000))
open=$((34200 * 1000000000))
end=$((35400 * 1000000000))
base=(--scenario news-shock --seed 3 --exit-when-done
	--set events.0.at=09:35:00 --set orders.0.end=09:50:00)
ev=("${base[@]}" --set orders.0.algo=event --set orders.0.event_k=4
	--set orders.0.event_win=10 --set orders.0.event_f=0.25)

events() {
	strings -n 8 "$1" | grep -a '^{"v"' | jq -cR 'fromjson? // empty'
}

"$TRANCHED" "${ev[@]}" --speed max --journal "$tmp/e.trj" \
	--listen "ipc://$tmp/ctle" 2>/dev/null || fail "event run failed"
events "$tmp/e.trj" > "$tmp/e.json"
jq -se --argjson h "$headline" --argjson o "$open" '
	map(select(.action != null and .reason != null and .block == "1"))
	| map(select(.reason | startswith("event:")))
	| map(select((.t | tonumber) > $h and (.t | tonumber) <= $h + 60e9))
	| length > 0 and (.[0].plan.lump > 0)
	  and (((.[0].t | tonumber) - $o) % 60e9 != 0)' "$tmp/e.json" >/dev/null ||
	fail "no event decision with a lump within a minute of the headline: $(
	    jq -sc 'map(select(.reason? // "" | startswith("event:")))
	    | map({t, reason, plan})' "$tmp/e.json" | head -c 600)"
gap=$(jq -s 'map(select(.action != null and .reason != null and
	.block == "1") | (.t | tonumber)) | unique
	| [range(1; length) as $i | .[$i] - .[$i - 1]] | min' "$tmp/e.json")
[ "$(jq -n --argjson g "$gap" '$g >= 5e9')" = true ] ||
	fail "two decisions $gap ns apart: closer than react_s (5 s)"
"$TRANCHED" "${ev[@]}" --speed 400 --journal "$tmp/e400.trj" \
	--listen "ipc://$tmp/ctle4" 2>/dev/null || fail "event run at 400x failed"
"$TRANCHED" tca "$tmp/e.trj" --json > "$tmp/e.tca" || fail "tca (max)"
"$TRANCHED" tca "$tmp/e400.trj" --json > "$tmp/e400.tca" || fail "tca (400)"
cmp -s "$tmp/e.tca" "$tmp/e400.tca" || {
	diff <(jq -S 'del(.children)' "$tmp/e.tca") \
	    <(jq -S 'del(.children)' "$tmp/e400.tca") >&2 || true
	fail "the event rule at speed max and at 400x gives different reports"
}

"$TRANCHED" "${base[@]}" --set orders.0.algo=ais-aggr --speed max \
	--journal "$tmp/a.trj" --listen "ipc://$tmp/ctla" 2>/dev/null ||
	fail "ais-aggr run failed"
events "$tmp/a.trj" > "$tmp/a.json"
# AC's own urgency over the time left, at the default 1 over the window:
# (end - t) / (end - start).
jq -se --argjson h "$headline" --argjson o "$open" --argjson e "$end" '
	map(select(.action != null and .reason != null and .block == "1"
	    and .plan != null))
	| length > 10
	  and all(.plan.urgency | type == "number")
	  and (map(select((.t | tonumber) > $h + 180e9))
	       | length > 0 and all(.plan.urgency <
	           ($e - (.t | tonumber)) / ($e - $o)))' \
	"$tmp/a.json" >/dev/null ||
	fail "ais-aggr did not slow down after the fall: $(jq -sc '
	    map(select(.plan != null)) | map({t, u: .plan.urgency})
	    | .[-5:]' "$tmp/a.json")"

if "$TRANCHED" "${base[@]}" --set orders.0.algo=event \
	--set orders.0.event_f=2 --speed max --journal "$tmp/b.trj" \
	--listen "ipc://$tmp/ctlb" 2> "$tmp/b.err"; then
	fail "a block with event_f 2 was accepted"
fi
grep -q "event_f" "$tmp/b.err" || fail "refusal does not name event_f: $(
    cat "$tmp/b.err")"
echo "ok: event acts on the headline at any speed, ais-aggr re-plans, bad fields refused"
