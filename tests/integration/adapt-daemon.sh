#!/bin/bash
# tests/integration/adapt-daemon.sh TRANCHED -- the adaptive algorithms in
# the real engine, read back from the journal it wrote.
#
# news-shock's headline at 10:30 is a fast fall with selling flow against
# its sell block.  Worked with `event` (4 sigmas in 10 s, a quarter of the
# remainder: the mechanism, not the tuned defaults), the journal must hold a decision
# whose reason starts "event:" within a simulated minute after 10:30, off
# the one-minute grid (the rule was woken by the market, not by the
# clock), carrying a plan with a lump; no two of the block's decisions
# closer than the rule's five seconds; and a crossing child at that
# moment.  Worked with `ais-aggr`, every decision carries a plan with an
# urgency, and after the fall (against the seller) the urgency is below
# AC's at the same time, which is the plan's own at an unmoved price.
# Also: a block with event_f out of range is refused naming it.
set -eu
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
headline=$((37800 * 1000000000))
open=$((34200 * 1000000000))

events() {
	strings -n 8 "$1" | grep -a '^{"v"' | jq -cR 'fromjson? // empty'
}

"$TRANCHED" --scenario news-shock --seed 3 --speed max --exit-when-done \
	--set orders.0.algo=event --set orders.0.end=11:00:00 \
	--set orders.0.event_k=4 --set orders.0.event_win=10 \
	--set orders.0.event_f=0.25 \
	--journal "$tmp/e.trj" --listen "ipc://$tmp/ctle" 2>/dev/null ||
	fail "event run failed"
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

"$TRANCHED" --scenario news-shock --seed 3 --speed max --exit-when-done \
	--set orders.0.algo=ais-aggr --set orders.0.end=11:00:00 \
	--journal "$tmp/a.trj" --listen "ipc://$tmp/ctla" 2>/dev/null ||
	fail "ais-aggr run failed"
events "$tmp/a.trj" > "$tmp/a.json"
# AC's own urgency over the time left, at the default 1 over the window:
# 1 x (end - t) / (end - start).
jq -se --argjson h "$headline" '
	map(select(.action != null and .reason != null and .block == "1"
	    and .plan != null))
	| length > 20
	  and all(.plan.urgency | type == "number")
	  and (map(select((.t | tonumber) > $h + 300e9))
	       | length > 0 and all(.plan.urgency <
	           (39600e9 - (.t | tonumber)) / (39600e9 - 34200e9)))' \
	"$tmp/a.json" >/dev/null ||
	fail "ais-aggr did not slow down after the fall: $(jq -sc '
	    map(select(.plan != null)) | map({t, u: .plan.urgency})
	    | .[-5:]' "$tmp/a.json")"

if "$TRANCHED" --scenario news-shock --seed 3 --speed max --exit-when-done \
	--set orders.0.algo=event --set orders.0.event_f=2 \
	--journal "$tmp/b.trj" --listen "ipc://$tmp/ctlb" 2> "$tmp/b.err"; then
	fail "a block with event_f 2 was accepted"
fi
grep -q "event_f" "$tmp/b.err" || fail "refusal does not name event_f: $(
    cat "$tmp/b.err")"
echo "ok: event acts on the headline, ais-aggr re-plans, bad fields refused"
