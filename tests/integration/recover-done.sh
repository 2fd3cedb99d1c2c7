#!/bin/bash
# tests/integration/recover-done.sh TRANCHED -- a journal whose session
# ended (--exit-when-done) and is continued with --exit-when-done again, as
# after a kill during shutdown, gains no market time: no trade, mid or fill
# after it, only the picture a restart publishes (block, book, status) at
# the time it ended.  It gained a whole 5-s piece of the day, a trade and a
# mid among it (found by an adversarial review, 2026-12-07).
set -u
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
cd /

timeout 120 "$TRANCHED" --scenario calm --seed 3 --set orders.0.end=10:00:00 \
	--speed max --exit-when-done --journal "$tmp/a.trj" \
	--listen "ipc://$tmp/c" 2> "$tmp/a.err" || fail "session: $(tail -2 "$tmp/a.err")"
cp "$tmp/a.trj" "$tmp/b.trj"
timeout 120 "$TRANCHED" --journal "$tmp/b.trj" --speed max --exit-when-done \
	--listen "ipc://$tmp/c" 2> "$tmp/b.err" || fail "continued: $(tail -2 "$tmp/b.err")"
python3 - "$tmp/a.trj" "$tmp/b.trj" <<'PY' || fail "the continued session went on"
import re, sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
assert b[:len(a)] == a, "the journal's records changed"
last = max(int(t) for t in re.findall(rb'"seq":\d+,"t":"(\d+)"', a))
# The topic is one of the protocol's: a letter before it may be the
# frame's CRC ("pbook" once).
topics = rb'(book|block|child|fill|trade|decision|alert|audit|heartbeat|status|mid|news|rfq)'
extra = re.findall(topics + rb'\x00\{"v":3,"seq":\d+,"t":"(\d+)"', b[len(a):])
print("after the end:", [(k.decode(), int(t) - last) for k, t in extra])
for k, t in extra:
    assert k in (b"block", b"book", b"status"), k
    assert int(t) == last, (k, int(t) - last)
PY
echo "PASS recover-done"
