#!/bin/bash
# tests/integration/recover-csv.sh TRANCHED -- a session whose scenario
# takes an order's VWAP profile from a CSV file beside it (a relative
# "profile_csv") is continued from its journal alone: the journal's header
# holds the weights, so recovery neither looks for the file (it once looked
# beside a temporary copy of the header's scenario, in /tmp, and refused to
# start) nor sees it edited or gone.  The weights are a day's volumes in
# shares, above the 1e6 that recovery once held the header's profile to
# while the CSV took them (found by a review: such a session could not be
# continued).  A weight out of range is refused naming its line.
set -u
TRANCHED=$1
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
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE

mkdir "$tmp/sc"
printf 'weight\n2500000\n1800000\n3100000\n' > "$tmp/sc/prof.csv"
cat > "$tmp/sc/csv.json" <<'JSON'
{"name":"csv","open":"09:30:00","close":"16:00:00",
 "market":{"sym":"QDI","tick":0.01,"px0":10000},
 "orders":[{"side":"sell","qty":60000,"start":"09:30:00","end":"11:00:00",
            "algo":"vwap","profile_csv":"prof.csv"}]}
JSON

# The first run, stopped part-way (at 20x a minute of the session passes
# every 3 s).
cd /
"$TRANCHED" --scenario "$tmp/sc/csv.json" --journal "$tmp/j.trj" \
	--speed 20 --listen "ipc://$tmp/e" 2> "$tmp/a.err" &
pid=$!
for _ in $(seq 200); do
	grep -q "listening on" "$tmp/a.err" && break
	kill -0 "$pid" 2>/dev/null || fail "first run: $(cat "$tmp/a.err")"
	sleep 0.1
done
sleep 3
kill "$pid"
wait "$pid"
pid=

# The CSV goes; the session continues from the journal alone.
rm "$tmp/sc/prof.csv"
timeout 120 "$TRANCHED" --journal "$tmp/j.trj" --speed max --exit-when-done \
	--listen "ipc://$tmp/e" 2> "$tmp/b.err" ||
	fail "recovery refused: $(head -3 "$tmp/b.err")"
grep -q "continuing the session" "$tmp/b.err" ||
	fail "recovery said nothing: $(head -3 "$tmp/b.err")"
grep -q '"profile":\[' "$tmp/j.trj" ||
	fail "the journal's header does not hold the profile's weights"

# A negative or not-finite weight was skipped without a word, one above
# the range taken: each is refused, naming the file's line and the value,
# and no journal is made.
for w in -5 nan 2e12; do
	printf 'weight\n1\n%s\n' "$w" > "$tmp/sc/prof.csv"
	rm -f "$tmp/bad.trj"
	"$TRANCHED" --scenario "$tmp/sc/csv.json" --journal "$tmp/bad.trj" \
		--speed max --exit-when-done --listen "ipc://$tmp/e" \
		2> "$tmp/c.err" && fail "weight $w was taken"
	grep -q "prof.csv: line 3: weight $w: must be a number in \[0, 1e+12\]" \
		"$tmp/c.err" || fail "weight $w: $(head -3 "$tmp/c.err")"
	[ ! -e "$tmp/bad.trj" ] || fail "weight $w left a journal"
done
echo "PASS recover-csv"
