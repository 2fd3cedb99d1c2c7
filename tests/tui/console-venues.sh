#!/bin/bash
# tests/tui/console-venues.sh TRANCHED TRANCHE -- the child-orders panel
# says where each child rests: a block working lit,dark lists its dark
# child (resting in the pool at the mid, nothing queued ahead of it) beside
# its lit ones, and the engine's own-order list says the same.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

start_engine --scenario calm --seed 3 --speed 60 \
	--set orders.0.venues=lit,dark
console --connect "$URL" --role supervisor --layout supervisor
wait_for "CHILD ORDERS"
wait_for_re "c[0-9]+ +dark +SELL +[0-9.]+ +[0-9,]+ +0 "
wait_for_re "c[0-9]+ +lit +SELL"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-venues"
