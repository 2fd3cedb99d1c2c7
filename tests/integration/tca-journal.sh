#!/bin/bash
# tests/integration/tca-journal.sh TRANCHED -- `tranched tca` on a journal
# the real engine wrote, checked against what the journal itself says: the
# filled quantity and average price are recomputed from the journal's own
# fill events, and the shortfall from them, the block's arrival and its end
# mid -- the block event's own "end_mid", or in a journal without it the
# mid of the last book event before its end (so a sum of the report's own parts,
# true by definition, proves nothing and is not the check).  Also: the
# average agrees with the engine's own last block event, --csv has a header
# and one row per block, a two-symbol session is analysed per symbol with a
# notional-weighted session line, and a damaged journal is analysed around
# its damage, saying where: a torn tail up to the cut, a flipped bit by
# skipping its span and going on.
set -eu
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# check_from_events JOURNAL TCA_JSON: every block of the report against the
# journal's events.  Each event is a record "TOPIC\0JSON" framed by a
# marker that starts with a byte strings(1) never prints, so each JSON
# object is a line of its own.  For block b: F = the sum of its fills' qty,
# avg = sum(px * qty) / F; the shortfall in dollars is, for a sell,
# (arrival - avg) * F + (qty - F) * (arrival - end mid), and the negative
# of that for a buy (tca's sign: a cost is positive).  Prints the blocks
# that disagree.
check_from_events() {
	strings -n 8 "$1" | grep -a '^{"v"' | jq -cR 'fromjson? // empty' \
		> "$tmp/ev.json"
	jq -rs --argjson tk 0.01 --slurpfile rep "$2" '
		. as $ev
		| $rep[] as $t
		| ($ev | map(select(.liq != null and .child != null and
		    .block == $t.block))) as $f
		| ($f | map(.qty) | add // 0) as $F
		| ($f | map(.px * .qty) | add // 0) as $C
		| ($ev | map(select(.id == $t.block and .arrival_px != null and
		    (.state == "DONE" or .state == "CANCELLED" or
		    .state == "EXPIRED"))) | last) as $b
		| ($b.t | tonumber) as $tend
		| ($ev | map(select(.sym == $b.sym and .bids != null and
		    .asks != null and (.t | tonumber) <= $tend and
		    (.bids | length) > 0 and (.asks | length) > 0)) | last) as $bk
		| (if $b.end_mid != null then $b.end_mid * $tk else
		    ($bk.bids[0][0] + $bk.asks[0][0]) / 2 * $tk end) as $emid
		| ($b.arrival_px * $tk) as $arr
		| (if $F > 0 then $C / $F * $tk else 0 end) as $avg
		| (if $b.side == "sell" then 1 else -1 end) as $s
		| ($s * (($arr - $avg) * $F + ($b.qty - $F) * ($arr - $emid)))
		    as $is
		| select($t.filled != $F or ($t.avg_px - $avg | fabs) > 1e-6 or
		    ($t.is_usd - $is | fabs) > 0.5 or $F <= 0)
		| "block \($t.block): tca filled \($t.filled) avg \($t.avg_px) " +
		  "is_usd \($t.is_usd); the journal fills give \($F) avg \($avg) " +
		  "is_usd \($is) (arrival \($arr), end mid \($emid))"' "$tmp/ev.json"
}

"$TRANCHED" --scenario calm --seed 5 --speed max --exit-when-done \
	--journal "$tmp/j.trj" --listen "ipc://$tmp/ctl" 2>/dev/null ||
	fail "engine run failed"
"$TRANCHED" tca "$tmp/j.trj" --json > "$tmp/tca.json" || fail "tca --json failed"
[ "$(wc -l < "$tmp/tca.json")" -eq 1 ] || fail "expected one block"
bad=$(check_from_events "$tmp/j.trj" "$tmp/tca.json")
[ -z "$bad" ] || fail "tca disagrees with the journal's events: $bad"
jq -e '
	.filled == 500000 and .qty == 500000 and .opp_usd == 0
	and (.children | length) > 100
	and .passive_share >= 0 and .passive_share <= 100
	and (.is_bps | type) == "number"' "$tmp/tca.json" >/dev/null ||
	fail "report is not of the whole block: $(head -c 400 "$tmp/tca.json")"

# A block that ends with shares unfilled (passive only, a quarter hour):
# the opportunity cost is part of what is checked.
"$TRANCHED" --scenario calm --seed 5 --speed max --exit-when-done \
	--set orders.0.algo=twap-passive --set orders.0.end=09:45:00 \
	--journal "$tmp/u.trj" --listen "ipc://$tmp/ctlu" 2>/dev/null ||
	fail "unfilled run failed"
"$TRANCHED" tca "$tmp/u.trj" --json > "$tmp/u.json" || fail "tca --json failed"
jq -e '.filled < .qty and .opp_usd != 0' "$tmp/u.json" >/dev/null ||
	fail "expected a block with shares unfilled: $(head -c 400 "$tmp/u.json")"
bad=$(check_from_events "$tmp/u.trj" "$tmp/u.json")
[ -z "$bad" ] || fail "tca disagrees with the journal's events: $bad"

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

# Damage.  A journal cut inside a record (a torn tail): analysed up to the
# cut, exit 0, and stderr says where and how much was skipped; the block is
# reported as far as the journal goes (part filled, not DONE).
size=$(stat -c %s "$tmp/j.trj")
head -c $((size / 2)) "$tmp/j.trj" > "$tmp/cut.trj"
printf '\001\002\003' >> "$tmp/cut.trj"
"$TRANCHED" tca "$tmp/cut.trj" --json > "$tmp/out" 2> "$tmp/err" ||
	fail "a torn journal was refused: $(cat "$tmp/err")"
# Torn, or -- when the cut leaves a whole frame header whose payload fails
# its check -- a damaged span with nothing good after it: both say where.
grep -qE "(torn tail|damaged span) at offset [0-9]+: [0-9]+ bytes skipped" "$tmp/err" ||
	fail "torn journal analysed without saying where: $(cat "$tmp/err")"
jq -e '.filled > 0 and .filled < 500000 and .state != "DONE"' "$tmp/out" >/dev/null ||
	fail "torn journal: not the block as far as the journal goes: $(head -c 300 "$tmp/out")"
# A flipped bit mid-file: the damaged span is skipped, named, and what
# follows it is still analysed (the block reaches DONE).
cp "$tmp/j.trj" "$tmp/flip.trj"
off=$(( $(stat -c %s "$tmp/j.trj") / 2 ))
byte=$(od -An -tu1 -j "$off" -N1 "$tmp/j.trj" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 16)))" |
	dd of="$tmp/flip.trj" bs=1 seek="$off" conv=notrunc 2>/dev/null
cmp -s "$tmp/j.trj" "$tmp/flip.trj" && fail "the bit was not flipped"
"$TRANCHED" tca "$tmp/flip.trj" --json > "$tmp/out" 2> "$tmp/err" ||
	fail "a journal with a damaged span was refused: $(cat "$tmp/err")"
grep -qE "damaged span at offset [0-9]+: [0-9]+ bytes skipped, going on" "$tmp/err" ||
	fail "damaged span not named: $(cat "$tmp/err")"
jq -e '.state == "DONE"' "$tmp/out" >/dev/null ||
	fail "records after the damaged span were not analysed: $(head -c 300 "$tmp/out")"
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
	' "$tmp/p.json" >/dev/null ||
	fail "program: blocks not analysed per symbol: $(head -c 600 "$tmp/p.json")"
bad=$(check_from_events "$tmp/p.trj" "$tmp/p.json")
[ -z "$bad" ] || fail "program: tca disagrees with the journal's events: $bad"
want=$(jq -s '(map(.is_usd) | add) / (map(.arrival * .qty) | add) * 1e4' "$tmp/p.json")
"$TRANCHED" tca "$tmp/p.trj" > "$tmp/p.txt" || fail "tca failed"
got=$(sed -n 's/^session  2 blocks on 2 symbols  shortfall \(-\{0,1\}[0-9.]*\) bps.*/\1/p' "$tmp/p.txt")
[ -n "$got" ] || fail "program: no session line: $(tail -2 "$tmp/p.txt")"
awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; exit !(d < 0.01 && d > -0.01) }' ||
	fail "program: session shortfall $got bps, blocks weighted by notional give $want"

"$TRANCHED" tca "$tmp/nosuch.trj" 2> "$tmp/err" && fail "missing journal accepted"
grep -q "nosuch.trj" "$tmp/err" || fail "missing journal not named"
echo "PASS tca-journal"
