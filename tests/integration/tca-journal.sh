#!/bin/bash
# tests/integration/tca-journal.sh TRANCHED -- `tranched tca` on a journal
# the real engine wrote: the report's shortfall equals its decomposition
# (spread + temporary + timing + opportunity), the average price and filled
# quantity agree with the engine's own last block event, --csv has a header
# and one row per block, a two-symbol session is analysed per symbol with a
# notional-weighted session line, and a damaged journal is refused naming
# where.
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
# Two symbols (the program scenario): each block is analysed against its
# own symbol's prints and mids, and the session line sums them weighted by
# notional.
"$TRANCHED" --scenario program --seed 5 --speed max --exit-when-done \
	--set orders.0.end=10:30:00 --set orders.1.end=10:30:00 \
	--journal "$tmp/p.trj" --listen "ipc://$tmp/ctl2" 2>/dev/null ||
	fail "program run failed"
"$TRANCHED" tca "$tmp/p.trj" --json > "$tmp/p.json" || fail "tca --json failed"
[ "$(wc -l < "$tmp/p.json")" -eq 2 ] || fail "program: expected two blocks"
jq -es '
	(map(select(.sym == "QDI" and .side == "sell" and .filled == 300000
	    and (.vwap > 90 and .vwap < 110) and (.twap_mid > 90 and .twap_mid < 110)))
	    | length) == 1
	and (map(select(.sym == "XYZ" and .side == "buy" and .filled == 400000
	    and (.vwap > 40 and .vwap < 60) and (.twap_mid > 40 and .twap_mid < 60)))
	    | length) == 1
	and all(.[]; (.spread_usd + .temp_usd + .timing_usd + .opp_usd - .is_usd
	    | fabs) < 1)' "$tmp/p.json" >/dev/null ||
	fail "program: blocks not analysed per symbol: $(head -c 600 "$tmp/p.json")"
want=$(jq -s '(map(.is_usd) | add) / (map(.arrival * .qty) | add) * 1e4' "$tmp/p.json")
"$TRANCHED" tca "$tmp/p.trj" > "$tmp/p.txt" || fail "tca failed"
got=$(sed -n 's/^session  2 blocks on 2 symbols  shortfall \(-\{0,1\}[0-9.]*\) bps.*/\1/p' "$tmp/p.txt")
[ -n "$got" ] || fail "program: no session line: $(tail -2 "$tmp/p.txt")"
awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; exit !(d < 0.01 && d > -0.01) }' ||
	fail "program: session shortfall $got bps, blocks weighted by notional give $want"

"$TRANCHED" tca "$tmp/nosuch.trj" 2> "$tmp/err" && fail "missing journal accepted"
grep -q "nosuch.trj" "$tmp/err" || fail "missing journal not named"
echo "PASS tca-journal"
