#!/bin/bash
# tests/tui/console-origin.sh TRANCHED TRANCHE -- a block's origin in the
# console: a block an order management system sent over FIX shows its
# session and ClOrdID in the block panel's title ("FIX oms X1"), one typed
# with `tranche ctl` says "ctl", and an amend's new ClOrdID replaces the old.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --speed 10 --scenario calm
"$TRANCHE" ctl --connect "$URL" submit sym=QDI side=buy qty=20000 \
	duration_s=3600 origin.kind=fix origin.session=oms origin.clordid=X1 \
	--reason "an OMS order" >/dev/null || fail "submit with a FIX origin"
"$TRANCHE" ctl --connect "$URL" submit sym=QDI side=sell qty=1000 \
	duration_s=600 --reason "typed" >/dev/null || fail "submit from ctl"
[ "$("$TRANCHE" ctl --connect "$URL" status --json |
	jq -r '.blocks[1].origin.clordid')" = X1 ] || fail "status has no origin"
console --connect "$URL"
wait_for "BLOCK 1"
tmux_ send-keys b
wait_for "BLOCK 2  BUY 20,000 QDI  FIX oms X1"
tmux_ send-keys b
wait_for "BLOCK 3  SELL 1,000 QDI  ctl"
"$TRANCHE" ctl --connect "$URL" amend --block 2 qty=30000 clordid=X2 \
	--reason "replaced" >/dev/null || fail "amend"
tmux_ send-keys b b
wait_for "BLOCK 2  BUY 30,000 QDI  FIX oms X2"
tmux_ send-keys q
console_exited_cleanly
stop_engine
echo "PASS console-origin"
