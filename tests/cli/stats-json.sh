#!/bin/bash
# tests/cli/stats-json.sh TRANCHED -- `tranched stats --json` is one JSON
# object that a script can read, carrying the same figures as the table:
# the run is made twice on one seed (the market is deterministic), once as
# the table and once as JSON, and the JSON's numbers are checked against
# the table's, metaorders included.  Without --no-impact it has five
# metaorders; with it, none and a null exponent.  An unknown option is
# still refused.
set -eu
T=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$T" stats --scenario calm --seeds 1 > "$tmp/table" || fail "stats failed"
"$T" stats --scenario calm --seeds 1 --json > "$tmp/json" ||
	fail "stats --json failed"
[ "$(wc -l < "$tmp/json")" -eq 1 ] || fail "--json: not one line"
jq -e 'type == "object"' "$tmp/json" >/dev/null ||
	fail "--json is not a JSON object: $(head -c 200 "$tmp/json")"

# The table's figures, as the table prints them.
adv=$(sed -n 's/^volume per day, shares  *\([0-9]*\) .*/\1/p' "$tmp/table")
kurt=$(sed -n 's/^excess kurtosis of 1-min returns  *\([-0-9.]*\) .*/\1/p' "$tmp/table")
sig=$(sed -n 's/^daily volatility, %  *\([-0-9.]*\) .*/\1/p' "$tmp/table")
spr=$(sed -n 's/^spread  *\$\([0-9.]*\) .*/\1/p' "$tmp/table")
expo=$(sed -n 's/^fitted impact exponent  *\([-0-9.]*\) .*/\1/p' "$tmp/table")
shares=$(awk '/^size\/ADV/ { on = 1; next } on && /^[0-9]/ { printf "%s,", $2 }' "$tmp/table")
[ -n "$adv" ] && [ -n "$kurt" ] && [ -n "$sig" ] && [ -n "$spr" ] &&
	[ -n "$expo" ] && [ -n "$shares" ] || fail "could not read the table"
jq -e --argjson adv "$adv" --argjson kurt "$kurt" --argjson sig "$sig" \
	--argjson spr "$spr" --argjson expo "$expo" --arg shares "$shares" '
	.scenario == "calm" and .seeds == 1 and .seed == 1
	and (.adv | round) == $adv
	and ((.excess_kurtosis * 100 | round) / 100 - $kurt | fabs) < 1e-9
	and ((.sigma_daily * 10000 | round) / 100 - $sig | fabs) < 1e-9
	and ((.spread_usd.mean * 1000 | round) / 1000 - $spr | fabs) < 1e-9
	and ((.impact_exponent * 100 | round) / 100 - $expo | fabs) < 1e-9
	and ([.metaorders[].shares | tostring] | join(",")) + "," == $shares
	and (.metaorders | length) == 5
	and (.volume_per_minute | has("mean") and has("p10") and has("p50")
	    and has("p90"))
	and (.volume_share.first30 > 0 and .volume_share.first30 < 1)
	and (.acf_returns_lag_1_2_5 | length) == 3
	and (.acf_abs_returns_lag_1_5_10 | length) == 3' "$tmp/json" >/dev/null ||
	fail "--json disagrees with the table (adv $adv, kurtosis $kurt, sigma $sig%, spread $spr, exponent $expo, metaorders $shares): $(cat "$tmp/json")"

"$T" stats --scenario calm --seeds 1 --no-impact --json > "$tmp/noimp" ||
	fail "stats --no-impact --json failed"
jq -e '.metaorders == [] and .impact_exponent == null' "$tmp/noimp" >/dev/null ||
	fail "--no-impact --json: $(cat "$tmp/noimp")"
"$T" stats --jsn 2>"$tmp/err" && fail "an unknown option was accepted"
grep -q -- '--jsn' "$tmp/err" || fail "the unknown option is not named"
echo "PASS stats-json"
