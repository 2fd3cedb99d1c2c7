#!/bin/bash
# tests/integration/dark-limit.sh TRANCHED -- a block's limit binds its dark
# children as it binds its lit ones: news-shock's sell block, limited at
# 99.50 and routed to the lit book and the dark pool (and the dealers), is
# never filled below 99.50 after the headline takes the mid through it,
# still fills in the dark while the mid is within the limit, and a mid
# beyond the limit raises no risk alert.  (The pool crossed a resting dark
# child at whatever the mid was: 17,200 shares sold down to 98.50 on seed
# 1, and each re-send refused with a risk alert a minute for two hours;
# found by an adversarial review on 2026-12-07.)
set -eu
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_STATE_HOME=$tmp/state XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$XDG_RUNTIME_DIR"

# run NAME SEED VENUES: a session to its end; its events as JSON lines (each
# record "TOPIC\0JSON", the JSON a line of its own for strings(1)).
run() {
	"$TRANCHED" --scenario news-shock --seed "$2" --speed max --exit-when-done \
		--journal "$tmp/$1.trj" --listen "ipc://$tmp/$1" \
		--set orders.0.venues="$3" --set orders.0.limit_px=9950 \
		> /dev/null 2> "$tmp/$1.err" || fail "$1: $(tail -3 "$tmp/$1.err")"
	strings -n 8 "$tmp/$1.trj" | grep -a '^{"v"' | jq -cR 'fromjson? // empty' \
		> "$tmp/$1.json"
}

dark=0
for s in 1 2; do
	run d$s $s lit,dark
	jq -se '[.[] | select(.block == "1" and .px != null and .qty != null and
		has("venue"))] | length > 0' "$tmp/d$s.json" > /dev/null ||
		fail "seed $s: no fill events read from the journal"
	bad=$(jq -sc '[.[] | select(has("venue") and .px != null and .qty != null and
		.px < 9950)]' "$tmp/d$s.json")
	[ "$bad" = "[]" ] || fail "seed $s: filled through the limit 99.50: $bad"
	dark=$((dark + $(jq -s '[.[] | select(.venue == "dark" and .qty != null)] |
		length' "$tmp/d$s.json")))
	refused=$(jq -sc '[.[] | select(.code == "risk" and
		(.text | test("dark child refused")))] | length' "$tmp/d$s.json")
	[ "$refused" = 0 ] || fail "seed $s: $refused risk alerts for dark children"
done
[ "$dark" -gt 0 ] || fail "no dark fill on either seed: the pool was never used"
run r2 2 lit,dark,rfq
bad=$(jq -sc '[.[] | select(has("venue") and .px != null and .qty != null and
	.px < 9950)]' "$tmp/r2.json")
[ "$bad" = "[]" ] || fail "lit,dark,rfq: filled through the limit 99.50: $bad"
# Nor is a request for quotes sent while the mid is beyond the limit, to be
# refused with a risk alert every rfq_every_s (12 in a session).
refused=$(jq -sc '[.[] | select(.code == "risk" and
	(.text | test("child refused")))] | length' "$tmp/r2.json")
[ "$refused" = 0 ] || fail "lit,dark,rfq: $refused risk alerts for venue children"
echo "PASS dark-limit ($dark dark fills)"
