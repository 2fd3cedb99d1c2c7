#!/bin/bash
# tests/cli/backtest-output.sh TRANCHED -- what `tranched backtest` prints
# for other programs (found by an adversarial review, 2026-12-07): a
# scenario's name with a quote, a backslash and a comma is escaped in
# --json and quoted in --csv (it made a line that was not JSON and a row of
# 25 fields under a header of 24); an interval of one session is null, not
# of no width; --jobs past an int is refused, not taken as 2; a --seed-base
# as large as the daemon's seeds is taken, and one whose last seed would
# pass 2^63 - 1 is refused.
set -eu
T=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat > "$tmp/n.json" <<'JSON'
{"name":"a\"b\\c,d","market":{"sym":"QDI","tick":0.01,"px0":10000},
 "orders":[{"side":"sell","qty":20000,"start":"09:30:00","end":"09:45:00",
            "algo":"twap"}]}
JSON
"$T" backtest --scenario "$tmp/n.json" --algo twap,vwap --seeds 2 --json \
	--csv "$tmp/n.csv" --quiet > "$tmp/n.out" || fail "backtest"
python3 - "$tmp/n.out" "$tmp/n.csv" <<'PY' || fail "output"
import csv, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 2 and all(r["scenario"] == 'a"b\\c,d' for r in rows), rows
c = list(csv.reader(open(sys.argv[2])))
assert all(len(r) == len(c[0]) for r in c), [len(r) for r in c]
assert [r[0] for r in c[1:]] == ['a"b\\c,d'] * 4, c
PY
"$T" backtest --scenario "$tmp/n.json" --algo twap,vwap --seeds 1 --json \
	--quiet > "$tmp/one.out" || fail "backtest of one seed"
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["ci95_lo"] is None and r["ci95_hi"] is None, r
' "$tmp/one.out" || fail "one session: $(cat "$tmp/one.out")"
if "$T" backtest --scenario "$tmp/n.json" --algo twap --seeds 1 \
	--jobs 4294967298 2> "$tmp/err" > /dev/null; then
	fail "--jobs 4294967298 accepted"
fi
grep -q -- "--jobs 4294967298: must be 1..256" "$tmp/err" || fail "$(cat "$tmp/err")"
"$T" backtest --scenario "$tmp/n.json" --algo twap --seeds 1 --quiet \
	--seed-base 9223372036854775807 > /dev/null || fail "the largest seed"
if "$T" backtest --scenario "$tmp/n.json" --algo twap --seeds 2 \
	--seed-base 9223372036854775807 2> "$tmp/err" > /dev/null; then
	fail "a last seed past 2^63 - 1 accepted"
fi
grep -q "the last seed would pass" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "PASS backtest-output"
