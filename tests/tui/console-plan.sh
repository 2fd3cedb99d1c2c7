#!/bin/bash
# tests/tui/console-plan.sh TRANCHED TRANCHE -- the plan on the console:
# news-shock's headline moved to 09:32, worked with ais-pass at 60x, so
# that within seconds of attaching the fall (against the seller) makes the
# algorithm re-plan its remainder faster than its own AC schedule.  The
# block panel's chart then shows the plan ('+') against the base ('.')
# with its legend, and the plan in words -- "half 10:17, base 10:58" --
# with the plan's time before the base's; a search of the decisions for
# "[plan:" finds the decisions that moved it, each saying when half of the
# rest is due now and was before.  The journal holds the block's plan
# (samples of the plan that differ from those of the base) and decisions
# with plan_before and plan_after; played back in the console's replay,
# the same plan line shows.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --scenario news-shock --seed 3 --speed 60 \
	--set events.0.at=09:32:00 --set orders.0.algo=ais-pass
console --connect "$URL" --role viewer

# The plan in words, "half HH:MM, base HH:MM" (the trader layout's third
# is too narrow for seconds): poll until the plan is the sooner of the two.
plan_sooner() {
	screen | grep -oE 'half [0-9]{2}:[0-9]{2}, base [0-9]{2}:[0-9]{2}' |
		head -1 | awk '{ p = $2; sub(",", "", p); exit !(p < $4) }'
}
wait_for "+plan .base" 30
wait_until 60 plan_sooner
line=$(screen | grep -oE 'half [0-9]{2}:[0-9]{2}, base [0-9]{2}:[0-9]{2}' | head -1)
echo "plan line: $line"

# The decisions that moved the plan say so first.
tmux_ send-keys /
tmux_ send-keys -l "[plan:"
tmux_ send-keys Enter
wait_for "DECISIONS /[plan::"
wait_for_re '\[plan: half by [0-9:]{8}, was' 30
wait_for "] ais-pass: price"
tmux_ send-keys q
console_exited_cleanly
stop_engine

# The journal: block events whose plan differs from the base at some
# sample, and re-planning decisions with both summaries.
events() {
	strings -n 8 "$TMP/j.trj" | grep -a '^{"v"' | jq -cR 'fromjson? // empty'
}
n=$(events | jq -s '[.[] | select(.plan.points != null)
	| select([.plan.points, .plan.base_points] | transpose
	  | any(.[0][1] != .[1][1]))] | length')
[ "$n" -gt 0 ] || fail "no block event with a plan that differs from its base"
n=$(events | jq -s '[.[] | select(.plan_before != null and
	.plan_after != null and (.reason | test("; re-plan: half the rest")))]
	| length')
[ "$n" -gt 0 ] || fail "no decision says what its re-plan changed"

# The replay shows the plan as the live console did.
rm -f "$TMP/tui.rc"
tmux_ new-session -d -x 120 -y 40 \
	"$(printf '%q ' "$TRANCHE" replay "$TMP/j.trj" --speed 60) 2>$TMP/tui.err; echo \$? >$TMP/tui.rc"
wait_for "+plan .base" 60
wait_until 60 plan_sooner
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-plan"
