#!/bin/bash
# tests/integration/tca-journal.sh TRANCHED -- `tranched tca` on a journal
# the real engine wrote: the report's shortfall equals its decomposition
# (spread + temporary + timing + opportunity), the average price and filled
# quantity agree with the engine's own last block event, --csv has a header
# and one row per block, and a damaged journal is refused naming where.
set -eu
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TRANCHED" --scenario calm --seed 5 --speed max --exit-when-done \
	--journal "$tmp/j.trj" --listen "ipc://$tmp/ctl" 2>/dev/null ||
	fail "engine run failed"
"$TRANCHED" tca "$tmp/j.trj" --json > "$tmp/tca.json" || fail "tca --json failed"
[ "$(wc -l < "$tmp/tca.json")" -eq 1 ] || fail "expected one block"
jq -e '
	(.spread_usd + .temp_usd + .timing_usd + .opp_usd - .is_usd | fabs) < 1
	and .filled == 500000 and .qty == 500000
	and (.children | length) > 100
	and .passive_share >= 0 and .passive_share <= 100
	and (.is_bps | type) == "number"' "$tmp/tca.json" >/dev/null ||
	fail "report does not add up: $(head -c 400 "$tmp/tca.json")"

# The engine's own view of the block at the end, from its journal.
strings -n 8 "$tmp/j.trj" | grep -a '"state":"DONE"' | grep -a '"algo"' | tail -1 |
	sed 's/^[^{]*//; s/}[^}]*$/}/' > "$tmp/block.json"
eng_avg=$(jq -r '.avg_px' "$tmp/block.json")
tick=0.01
jq -e --argjson e "$eng_avg" --argjson tk "$tick" \
	'(.avg_px - $e * $tk | fabs) < 0.0001' "$tmp/tca.json" >/dev/null ||
	fail "tca avg $(jq .avg_px "$tmp/tca.json") != engine avg $eng_avg ticks"

"$TRANCHED" tca "$tmp/j.trj" --csv > "$tmp/tca.csv" || fail "tca --csv failed"
head -1 "$tmp/tca.csv" | grep -q '^block,' || fail "csv has no header"
[ "$(wc -l < "$tmp/tca.csv")" -eq 2 ] || fail "csv: expected header + 1 row"

# Damage: cut the journal inside a record.
size=$(stat -c %s "$tmp/j.trj")
head -c $((size / 2)) "$tmp/j.trj" > "$tmp/cut.trj"
printf '\001\002\003' >> "$tmp/cut.trj"
if "$TRANCHED" tca "$tmp/cut.trj" > "$tmp/out" 2> "$tmp/err"; then
	grep -qi "offset\|byte\|damage\|torn" "$tmp/err" "$tmp/out" ||
		fail "damaged journal analysed without a word"
else
	grep -qi "offset\|byte\|damage\|torn" "$tmp/err" ||
		fail "damaged journal refused without saying where: $(cat "$tmp/err")"
fi
"$TRANCHED" tca "$tmp/nosuch.trj" 2> "$tmp/err" && fail "missing journal accepted"
grep -q "nosuch.trj" "$tmp/err" || fail "missing journal not named"
echo "PASS tca-journal"
