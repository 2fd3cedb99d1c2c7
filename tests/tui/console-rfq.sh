#!/bin/bash
# tests/tui/console-rfq.sh TRANCHED TRANCHE -- the trader's RFQ workflow in
# the console, against a real engine: R sends a request for quotes (two
# steps, with a reason); the RFQ panel shows each dealer's quote as it
# arrives and a countdown to the deadline that moves; Y accepts the
# selected quote with a reason, and the panel and the venues panel show the
# fill; X rejects a request; a request nobody decides on expires.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

# The router's own requests are kept out of the way: every request on the
# screen is the trader's.
start_engine --scenario calm --seed 3 --speed 10 \
	--set orders.0.venues=lit,dark,rfq --set orders.0.rfq_trigger=1000
console --connect "$URL" --layout rfq
wait_for "RFQ 0 in flight"
wait_for "VENUES block 1"

# Send: quantity, dealers and deadline; a reason; y.
tmux_ send-keys R
wait_for "request for quotes: QTY"
# Deadlines long in wall time (60 s at 10x): a loaded machine must not
# see a request expire before the keys reach it.
tmux_ send-keys "20000 D1,D3 600" Enter
wait_for "rfq 1: reason:"
tmux_ send-keys "size for the close" Enter
wait_for '"cmd":"rfq","block":"1","qty":20000,"dealers":"D1,D3"'
tmux_ send-keys y
wait_for "RFQ 1 in flight"
# The quotes arrive, and the countdown moves.
wait_for_re '> +D[13] +[0-9]+\.[0-9]+ x 20,000'
left() {
	screen | grep -oE 'SELL +20,000 trader +[0-9]+s left' | head -1 |
	    grep -oE '[0-9]+s' | tr -d s
}
first=$(left)
[ -n "$first" ] || fail "no countdown on the request"
moved=
for _ in $(seq 100); do
	now=$(left)
	if [ -n "$now" ] && [ "$now" -lt "$first" ]; then moved=1; break; fi
	sleep 0.1
done
[ -n "$moved" ] || fail "the countdown stayed at ${first}s"

# Accept the selected quote, with a reason: the prompt names the request,
# the dealer and the price.
tmux_ send-keys Y
wait_for_re 'accept r[0-9]+ D[13] [0-9]+\.[0-9]+ x 20,000: reason:'
dealer=$(screen | grep -oE 'accept r[0-9]+ D[13]' | head -1 | awk '{print $3}')
tmux_ send-keys "best of two" Enter
wait_for '"cmd":"rfq_accept"'
tmux_ send-keys y
wait_for_re "rfq_accept: ok, r[0-9]+ filled 20000 at [0-9]+\.[0-9]+"
wait_for_re "accepted $dealer [0-9]+\.[0-9]+ x 20,000 \(trader\)"
wait_for_re 'rfq +20,000 '
wait_for "RFQ 0 in flight"
# The engine agrees: the block counts the dealer's 20,000.
[ "$("$TRANCHE" ctl --connect "$URL" status --json |
	jq '.blocks[0].venue_filled.rfq')" = 20000 ] ||
	fail "the engine's block does not count the accepted fill"

# Reject a request.
tmux_ send-keys R
wait_for "request for quotes: QTY"
tmux_ send-keys "5000 all 600" Enter
wait_for "rfq 1: reason:"
tmux_ send-keys "see the price" Enter
wait_for "y sends"
tmux_ send-keys y
wait_for_re 'SELL +5,000 trader +[0-9]+s left'
tmux_ send-keys X
wait_for_re 'reject r[0-9]+: reason:'
tmux_ send-keys "too wide" Enter
wait_for '"cmd":"rfq_reject"'
tmux_ send-keys y
wait_for_re 'rejected 5,000 \(trader\): too wide'

# One nobody decides on expires at its deadline.
tmux_ send-keys R
wait_for "request for quotes: QTY"
tmux_ send-keys "3000 D1 3" Enter
wait_for "rfq 1: reason:"
tmux_ send-keys "quick look" Enter
wait_for "y sends"
tmux_ send-keys y
wait_for_re 'expired 3,000 \(trader\): no decision by'

tmux_ send-keys q
console_exited_cleanly
echo "PASS console-rfq"
