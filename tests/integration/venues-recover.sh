#!/bin/bash
# tests/integration/venues-recover.sh TRANCHED TRANCHE -- a block that
# trades in the dark pool and with dealers, killed (SIGKILL) part-way and
# recovered from its journal, is the session that was never killed; every
# fill says its venue; the submit command takes a venue set and refuses a
# bad one, naming it, without creating a block.
#
# One seed's half-hour block on lit,dark,rfq is run flat out, then at 400x
# and killed once its journal holds a dark or dealer fill (so a resting
# dark order, dealers' inventories and the predator's memory must all come
# back), then continued flat out.  The two `tranched tca --json` reports,
# venues included, must be identical.  The same for a block on lit,dark
# with conditional dark orders (dark_cond): indications, invitations and
# firm-ups must come back too.
set -eu
TRANCHED=$1 TRANCHE=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# crash_and_compare NAME ARGS...: the session ARGS run flat out, and
# again at 400x killed after its first venue fill and recovered; the two
# TCA reports must be identical.
crash_and_compare() {
	local name=$1
	shift
	local run=("$@")
	"$TRANCHED" "${run[@]}" --speed max --journal "$tmp/$name-max.trj" \
		--listen "ipc://$tmp/$name-a" 2>/dev/null ||
		fail "$name: run at speed max failed"
	"$TRANCHED" tca "$tmp/$name-max.trj" --json > "$tmp/$name-max.json" ||
		fail "$name: tca (max)"
	"$TRANCHED" "${run[@]}" --speed 400 --journal "$tmp/$name-crash.trj" \
		--listen "ipc://$tmp/$name-c" 2>/dev/null &
	local pid=$!
	pids+=($pid)
	for _ in $(seq 1 400); do
		v=$("$TRANCHED" tca "$tmp/$name-crash.trj" --json 2>/dev/null |
		    jq -r '.venues.dark.filled + .venues.rfq.filled' 2>/dev/null ||
		    true)
		[ -n "$v" ] && [ "$v" != null ] && [ "$v" -gt 0 ] && break
		sleep 0.02
	done
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	"$TRANCHED" tca "$tmp/$name-crash.trj" --json 2>/dev/null |
		jq -e '.state != "DONE" and .state != "EXPIRED" and
		    (.venues.dark.filled + .venues.rfq.filled) > 0' >/dev/null ||
		fail "$name: killed before a venue fill or after the end: nothing to recover"
	"$TRANCHED" --speed max --exit-when-done --journal "$tmp/$name-crash.trj" \
		--listen "ipc://$tmp/$name-d" 2>"$tmp/$name-recover.err" ||
		fail "$name: recovery failed: $(cat "$tmp/$name-recover.err")"
	grep -q "continuing the session" "$tmp/$name-recover.err" ||
		fail "$name: the engine did not recover: $(cat "$tmp/$name-recover.err")"
	"$TRANCHED" tca "$tmp/$name-crash.trj" --json > "$tmp/$name-crash.json" ||
		fail "$name: tca (crash)"
	if ! cmp -s "$tmp/$name-max.json" "$tmp/$name-crash.json"; then
		diff <(jq -S 'del(.children)' "$tmp/$name-max.json") \
		    <(jq -S 'del(.children)' "$tmp/$name-crash.json") >&2 || true
		fail "$name: the recovered session's report differs from the uninterrupted one"
	fi
}

run=(--scenario calm --seed 7 --exit-when-done --set orders.0.end=10:00:00
	--set orders.0.venues=lit,dark,rfq --set orders.0.rfq_every_s=300)
crash_and_compare firm "${run[@]}"
cp "$tmp/firm-max.trj" "$tmp/max.trj"
jq -e '.filled > 0 and .venues.dark.filled > 0 and .venues.rfq.filled > 0
	and (.venues.lit.filled + .venues.dark.filled + .venues.rfq.filled)
	    == .filled' "$tmp/firm-max.json" >/dev/null ||
	fail "no dark and dealer fills adding up: $(jq -c .venues "$tmp/firm-max.json")"

# Leakage against matched sessions: `tca --leakage` re-simulates the
# journal's session from its header and must give, by venue, exactly what
# `backtest --leakage` gives for the same seed and settings.
"$TRANCHED" tca "$tmp/firm-max.trj" --leakage --json > "$tmp/leak.json" ||
	fail "tca --leakage refused the scenario's own session"
"$TRANCHED" backtest --scenario calm --algo twap --seeds 1 --seed-base 7 \
	--set orders.0.end=10:00:00 --set orders.0.venues=lit,dark,rfq \
	--set orders.0.rfq_every_s=300 --leakage --quiet --json > "$tmp/bt.json" ||
	fail "backtest --leakage failed"
jq -e --slurpfile b "$tmp/bt.json" '.venues.dark.leak_events > 0 and
	.venues.rfq.leak_events > 0 and
	(.venues.dark.leak_30s_bps - $b[0].leak_dark_30s | fabs) < 1e-3 and
	(.venues.dark.leak_5m_bps - $b[0].leak_dark_300s | fabs) < 1e-3 and
	(.venues.rfq.leak_30s_bps - $b[0].leak_rfq_30s | fabs) < 1e-3 and
	(.venues.rfq.leak_5m_bps - $b[0].leak_rfq_300s | fabs) < 1e-3' \
	"$tmp/leak.json" >/dev/null ||
	fail "tca and backtest leakage differ: $(jq -c .venues "$tmp/leak.json") vs $(cat "$tmp/bt.json")"

# Conditional dark orders: indications the pool invites to firm up, the
# firm-ups journaled as decisions; killed between firm-ups, recovered to
# the same session (the pool's indications and our firm-up rate with it).
crash_and_compare cond --scenario calm --seed 7 --exit-when-done \
	--set orders.0.end=10:00:00 --set orders.0.venues=lit,dark \
	--set orders.0.dark_cond=true
jq -e '.venues.dark.filled > 0' "$tmp/cond-max.json" >/dev/null ||
	fail "cond: no dark fills: $(jq -c .venues "$tmp/cond-max.json")"
strings -n 8 "$tmp/cond-max.trj" | grep -a '^{"v"' | jq -cR 'fromjson? // empty' |
	jq -sc '[.[] | select(.action != null) | .action] | unique' \
	> "$tmp/cond-actions.json"
jq -e 'index("dark-cond") != null and index("dark-firm") != null and
	index("dark") == null' "$tmp/cond-actions.json" >/dev/null ||
	fail "cond: decisions $(cat "$tmp/cond-actions.json"): no indication or firm-up, or a firm dark child"

# Every fill event in the journal names a venue.
strings -n 8 "$tmp/max.trj" | grep -a '^{"v"' | jq -cR 'fromjson? // empty' |
	jq -c 'select(.liq != null and .child != null)' > "$tmp/fills.json"
[ -s "$tmp/fills.json" ] || fail "no fill events read from the journal"
jq -se 'all(.venue == "lit" or .venue == "dark" or .venue == "rfq")' \
	"$tmp/fills.json" >/dev/null || fail "a fill without a venue"

# The submit command: a bad venue set is refused naming it, a good one
# makes a block that says its venues.  Then the supervisor's venue
# command: refused to a trader, it turns the dark pool off (cancelling the
# dark child), is audited in words, and a dealer by name.
url=ipc://$tmp/e
"$TRANCHED" --scenario calm --seed 3 --speed 1 --listen "$url" \
	--journal "$tmp/e.trj" --set orders.0.qty=100 2>/dev/null &
epid=$!
pids+=($epid)
ctl() { "$TRANCHE" ctl --connect "$url" --timeout 3000 "$@"; }
for _ in $(seq 100); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
n0=$(ctl status --json | jq '.blocks | length')
out=$(ctl submit sym=QDI side=buy qty=5000 duration_s=600 venues=lit,pool \
	--reason "venue test" 2>&1) && fail "venues=lit,pool accepted: $out"
echo "$out" | grep -q '"pool"' || fail "bad venue not named: $out"
out=$(ctl submit sym=QDI side=buy qty=5000 duration_s=600 dealers=top:12 \
	venues=lit,rfq --reason "dealer test" 2>&1) &&
	fail "dealers=top:12 accepted: $out"
echo "$out" | grep -q 'top:12' || fail "bad dealers not named: $out"
out=$(ctl submit sym=QDI side=buy qty=5000 duration_s=600 venues=lit,dark \
	dark_cond=maybe --reason "cond test" 2>&1) &&
	fail "dark_cond=maybe accepted: $out"
echo "$out" | grep -q 'dark_cond.*maybe' || fail "bad dark_cond not named: $out"
[ "$(ctl status --json | jq '.blocks | length')" = "$n0" ] ||
	fail "a refused submit made a block"
# Dealers chosen for a block that cannot ask them: refused, naming both.
out=$(ctl submit sym=QDI side=buy qty=5000 duration_s=600 venues=lit,dark \
	dealers=random:2 --reason "venue test" 2>&1) &&
	fail "dealers=random:2 without rfq accepted: $out"
echo "$out" | grep -q 'random:2.*lit,dark.*no rfq' ||
	fail "dealers without rfq not named: $out"
ctl submit sym=QDI side=buy qty=5000 duration_s=600 venues=lit,dark \
	dealers=all --reason "venue test" >/dev/null ||
	fail "venues=lit,dark refused"
ctl status --json | jq -e '[.blocks[] | select(.venues == "lit,dark")] |
	length == 1' >/dev/null ||
	fail "the block does not say its venues: $(ctl status --json | jq -c '.blocks')"
# The block's first decision rests a dark child (unless the pool filled
# it whole at once).
for _ in $(seq 50); do
	ctl status --json | jq -e '[.blocks[] | select(.venues == "lit,dark")
	    | .venue_working] | add > 0' >/dev/null 2>&1 && break
	sleep 0.1
done
out=$(ctl venue venue=dark enabled=false --reason "pool misbehaving" 2>&1) &&
	fail "a trader turned the dark pool off: $out"
echo "$out" | grep -qi "role" || fail "refusal does not name the role: $out"
out=$(ctl --role supervisor --json venue venue=dark enabled=false \
	--reason "pool misbehaving") || fail "supervisor refused: $out"
echo "$out" | jq -e '.ok and .enabled == false and .cancelled <= 1' \
	>/dev/null || fail "dark pool off: $out"
sleep 1.5
ctl status --json | jq -e '[.blocks[] | select(.venues == "lit,dark") |
	.venue_working] | add == 0' >/dev/null ||
	fail "something rests in the dark pool it turned off: $(ctl status --json | jq -c .blocks)"
out=$(ctl --role supervisor venue venue=lit enabled=false --reason "x" 2>&1) &&
	fail "the lit book was turned off: $out"
echo "$out" | grep -q '"lit"' || fail "venue=lit not named: $out"
out=$(ctl --role supervisor venue dealer=D9 enabled=false --reason "x" 2>&1) &&
	fail "an unknown dealer was turned off: $out"
echo "$out" | grep -q '"D9"' || fail "dealer D9 not named: $out"
ctl --role supervisor venue dealer=D4 enabled=false --reason "leaks" \
	>/dev/null || fail "dealer D4 off refused"
ctl snapshot --json | jq -e '[.audit[] | .what] |
	(map(test("^venue dark off")) | any) and
	(index("dealer D4 off") != null)' >/dev/null ||
	fail "audit words missing: $(ctl snapshot --json | jq -c '[.audit[] | .what]')"
ctl status --json | jq -e '.venues_off == ["dark", "D4"]' >/dev/null ||
	fail "status venues_off: $(ctl status --json | jq -c .venues_off)"
# Journaled and re-applied: killed and recovered, they are still off.
kill -9 "$epid"
wait "$epid" 2>/dev/null || true
"$TRANCHED" --speed 1 --journal "$tmp/e.trj" --listen "$url" \
	2>"$tmp/e-recover.err" &
pids+=($!)
for _ in $(seq 100); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
grep -q "continuing the session" "$tmp/e-recover.err" ||
	fail "the engine did not recover: $(cat "$tmp/e-recover.err")"
# A session steered by commands is not the scenario's: no matched
# session can be re-run for it, and tca --leakage says so.
out=$("$TRANCHED" tca "$tmp/e.trj" --leakage 2>&1) &&
	fail "tca --leakage measured a steered session: $out"
echo "$out" | grep -q "steered by commands" ||
	fail "tca --leakage refusal does not say why: $out"
ctl status --json | jq -e '.venues_off == ["dark", "D4"]' >/dev/null ||
	fail "after recovery venues_off: $(ctl status --json | jq -c .venues_off)"
echo "PASS venues-recover"
