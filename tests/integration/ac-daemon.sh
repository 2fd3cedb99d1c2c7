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

# A journal of the engine before the change (its header names no market,
# and its session ran on the agent simulator) is refused saying why, not as
# a divergence at its first fill; a header naming another market likewise.
# Both made from k.trj by rewriting its header (CRC-32C over the header).
rehead() {
	python3 - "$tmp/k.trj" "$1" "$2" <<'PY'
import json, struct, sys
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF
raw = open(sys.argv[1], "rb").read()
hlen = struct.unpack("<I", raw[12:16])[0]
h = json.loads(raw[20:20 + hlen])
assert h["market"] == "ac", h.get("market")
if sys.argv[3] == "-":
    del h["market"]
else:
    h["market"] = sys.argv[3]
nh = json.dumps(h, separators=(",", ":")).encode()
out = raw[:12] + struct.pack("<II", len(nh), crc32c(nh)) + nh + raw[20 + hlen:]
open(sys.argv[2], "wb").write(out)
PY
}
rehead "$tmp/old.trj" - || fail "rewriting the header"
cp "$tmp/old.trj" "$tmp/old.bak"
if "$TRANCHED" --journal "$tmp/old.trj" --speed max --exit-when-done \
	--listen "ipc://$tmp/o" 2> "$tmp/o.err"; then
	fail "a journal of the agent simulator's ac-world continued"
fi
grep -q "names no market: it was written by an engine before 2026-12-07" \
	"$tmp/o.err" || fail "old journal: $(cat "$tmp/o.err")"
cmp -s "$tmp/old.trj" "$tmp/old.bak" || fail "the refused journal changed"
# journal check says what recovery says (exit 1, refused), and tca still
# reads it.
"$TRANCHED" journal check "$tmp/old.trj" > "$tmp/old.check"
[ $? = 1 ] && grep -q "refused: an engine here will not continue it" \
	"$tmp/old.check" && grep -q "names no market" "$tmp/old.check" ||
	fail "journal check of the old journal: $(cat "$tmp/old.check")"
"$TRANCHED" tca "$tmp/old.trj" > /dev/null || fail "tca of the old journal"
rehead "$tmp/sim.trj" sim || fail "rewriting the header"
if "$TRANCHED" --journal "$tmp/sim.trj" --speed max --exit-when-done \
	--listen "ipc://$tmp/o" 2> "$tmp/o.err"; then
	fail "a journal of market sim continued on the AC market"
fi
grep -q 'header market "sim": the session ran on that market' "$tmp/o.err" ||
	fail "market sim: $(cat "$tmp/o.err")"

if "$TRANCHED" --scenario ac-world --seed 1 --set orders.0.venues=lit,rfq \
	--speed max --exit-when-done --journal "$tmp/v.trj" \
	--listen "ipc://$tmp/v" 2> "$tmp/v.err"; then
	fail "venues lit,rfq taken in the AC market"
fi
grep -q "has no dark pool or dealers" "$tmp/v.err" || fail "$(cat "$tmp/v.err")"
[ ! -e "$tmp/v.trj" ] || fail "a refused session left a journal"
echo "PASS ac-daemon"
