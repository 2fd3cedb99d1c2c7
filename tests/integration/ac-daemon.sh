#!/bin/bash
# tests/integration/ac-daemon.sh TRANCHED -- the daemon runs a scenario of
# source "ac" on the Almgren-Chriss market, as backtests do: ac-world seed 1
# costs the same in a session as in a backtest (the daemon ran the agent
# simulator there: 0.00 bps against -24.52; found by a review), a session
# killed with SIGKILL and continued gives the same TCA, and venues other
# than lit are refused there as in a backtest.
set -u
TRANCHED=$1
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
cd /

timeout 120 "$TRANCHED" --scenario ac-world --seed 1 --speed max --exit-when-done \
	--journal "$tmp/a.trj" --listen "ipc://$tmp/c" 2> "$tmp/a.err" ||
	fail "session: $(tail -2 "$tmp/a.err")"
"$TRANCHED" tca "$tmp/a.trj" --json > "$tmp/a.json" || fail "tca"
"$TRANCHED" backtest --scenario ac-world --algo ac --seeds 1 --json --quiet \
	> "$tmp/b.json" || fail "backtest"
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY' || fail "session and backtest differ"
import json, sys
a = json.loads(open(sys.argv[1]).readline())
b = json.loads(open(sys.argv[2]).readline())
s, t = a["is_bps"], b["is_bps_mean"]
print(f"session {s:.4f} bps, backtest {t:.4f} bps")
assert abs(s - t) < 1e-3, (s, t)
PY

# Killed part-way at 60x and continued: the same TCA.
"$TRANCHED" --scenario ac-world --seed 1 --speed 60 --journal "$tmp/k.trj" \
	--listen "ipc://$tmp/k" 2> "$tmp/k.err" &
pid=$!
for _ in $(seq 200); do
	grep -q "listening on" "$tmp/k.err" && break
	sleep 0.1
done
sleep 2
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
timeout 120 "$TRANCHED" --journal "$tmp/k.trj" --speed max --exit-when-done \
	--listen "ipc://$tmp/k" 2> "$tmp/k2.err" ||
	fail "recovery: $(tail -2 "$tmp/k2.err")"
"$TRANCHED" tca "$tmp/k.trj" --json > "$tmp/k.json" || fail "tca of the recovered"
cmp -s "$tmp/a.json" "$tmp/k.json" || fail "the recovered session's TCA differs"

if "$TRANCHED" --scenario ac-world --seed 1 --set orders.0.venues=lit,rfq \
	--speed max --exit-when-done --journal "$tmp/v.trj" \
	--listen "ipc://$tmp/v" 2> "$tmp/v.err"; then
	fail "venues lit,rfq taken in the AC market"
fi
grep -q "has no dark pool or dealers" "$tmp/v.err" || fail "$(cat "$tmp/v.err")"
[ ! -e "$tmp/v.trj" ] || fail "a refused session left a journal"
echo "PASS ac-daemon"
