#!/bin/bash
# tests/fix/oms.sh TRANCHED OMS-CLIENT -- an order management system built on
# QuickFIX hears every fill exactly once, across a kill -9 of the engine.
#
# The engine runs the calm scenario with no orders of its own and a FIX
# acceptor; oms-client (a QuickFIX initiator) logs on and sends a
# 200,000-share block (a TWAP to 11:00, 90 s at 60x), a cancel/replace down to 150,000
# once it has heard fills, and, after the engine has been killed with
# SIGKILL and restarted on the same journal and FIX store (QuickFIX
# reconnects by itself), a cancel.  Then, from what the client recorded:
#   - the LastQty of its fill reports sum exactly to what `tranched tca`
#     says the block filled, and the last CumQty says the same;
#   - no ExecID repeats;
#   - it heard fills both before the kill and after the restart, a New, a
#     Replaced and a Canceled.
set -u
TRANCHED=$1
OMS=$2
tmp=$(mktemp -d)
engine=
client=
cleanup() {
	[ -n "$engine" ] && kill -9 "$engine" 2>/dev/null
	[ -n "$client" ] && kill -9 "$client" 2>/dev/null
	exec 3>&- 2>/dev/null
	if [ "${keep:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in engine1.err engine2.err oms.out; do
		[ -f "$tmp/$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$tmp/$f"; }
	done
	[ -f "$tmp/ers.jsonl" ] && { echo "--- reports heard"; jq -c '{kind,seq,poss_dup,exec_id,exec_type,ord_status,cl_ord_id,last_qty,cum_qty,leaves_qty,text}' "$tmp/ers.jsonl" | tail -n 20; }
	keep=1
	exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && fail "no $what within $secs s"
		[ -n "$engine" ] && ! kill -0 "$engine" 2>/dev/null && fail "the engine died waiting for $what"
		sleep 0.1
	done
}
ers() { [ -f "$tmp/ers.jsonl" ] && jq -s "$1" "$tmp/ers.jsonl"; }
count() { ers "[.[] | select($1)] | length"; }
at_least() { [ "$(count "$1")" -ge "$2" ] 2>/dev/null; }

cat >"$tmp/sessions.json" <<'EOF'
{"sessions": [{"name": "oms", "version": "FIX.4.4", "sender": "ISLD", "target": "TW",
  "heartbeat": 5, "role": "trader", "user": "oms"}]}
EOF
run=(--journal "$tmp/s.trj" --listen "ipc://$tmp/ctl" --speed 60
	--fix-sessions "$tmp/sessions.json" --fix-store "$tmp/fixstore")

"$TRANCHED" --scenario calm --seed 7 --set 'orders=[]' "${run[@]}" \
	--fix-listen tcp://127.0.0.1:0 2>"$tmp/engine1.err" &
engine=$!
wait_for 30 "FIX acceptor line" grep -q 'FIX acceptor on .*(port [0-9]*)' "$tmp/engine1.err"
port=$(grep -o 'FIX acceptor on .*(port [0-9]*)' "$tmp/engine1.err" | grep -o 'port [0-9]*' | cut -d' ' -f2)

mkfifo "$tmp/cmd"
"$OMS" --port "$port" --store "$tmp/oms" --out "$tmp/ers.jsonl" --heartbeat 5 \
	<"$tmp/cmd" >"$tmp/oms.out" 2>&1 &
client=$!
exec 3>"$tmp/cmd"
echo "wait-logon 20" >&3
wait_for 25 "logon of the OMS" grep -q '^ok wait-logon' "$tmp/oms.out"

day=$(date -u +%Y%m%d)
echo "order ORD1 QDI 1 200000 59=6 126=$day-11:00:00" >&3
wait_for 20 "New report for ORD1" at_least '.kind == "er" and .exec_type == "0"' 1
wait_for 30 "3 fill reports" at_least '.kind == "er" and .exec_type == "F"' 3

echo "replace ORD2 ORD1 QDI 1 150000" >&3
wait_for 20 "Replaced report for ORD2" \
	at_least '.kind == "er" and .exec_type == "5" and .cl_ord_id == "ORD2"' 1
filled_before=$(count '.kind == "er" and .exec_type == "F"')
wait_for 30 "a fill after the replace" at_least '.kind == "er" and .exec_type == "F"' $((filled_before + 1))

# kill -9 in the middle of the block, then the same journal and store.
kill -9 "$engine"
wait "$engine" 2>/dev/null
engine=
heard_before_kill=$(count '.kind == "er" and .exec_type == "F"')
logons_before=$(grep -c '^logon$' "$tmp/oms.out")
"$TRANCHED" "${run[@]}" --fix-listen "tcp://127.0.0.1:$port" 2>"$tmp/engine2.err" &
engine=$!
logged_on_again() { [ "$(grep -c '^logon$' "$tmp/oms.out")" -gt "$logons_before" ]; }
wait_for 30 "the OMS's logon to the restarted engine" logged_on_again
wait_for 30 "a fill after the restart" \
	at_least '.kind == "er" and .exec_type == "F"' $((heard_before_kill + 1))

echo "cancel ORD3 ORD2 QDI 1 150000" >&3
wait_for 20 "Canceled report for ORD3" \
	at_least '.kind == "er" and .exec_type == "4" and .cl_ord_id == "ORD3"' 1
# Reports of fills the journal kept but the client had not heard come
# before the Canceled; give a late one a moment, then stop everything.
sleep 1
echo "quit" >&3
exec 3>&-
wait "$client" || fail "oms-client exited with status $?"
client=
kill -TERM "$engine"
wait "$engine" || fail "the restarted engine exited with status $? on SIGTERM"
engine=

"$TRANCHED" tca "$tmp/s.trj" --json >"$tmp/tca.json" 2>"$tmp/tca.err" || fail "tranched tca: $(cat "$tmp/tca.err")"
filled=$(jq -s 'if length == 1 then .[0].filled else error("tca reports \(length) blocks") end' "$tmp/tca.json") ||
	fail "tca: $(head -c 300 "$tmp/tca.json")"
summed=$(ers '[.[] | select(.kind == "er" and .exec_type == "F") | (.last_qty | tonumber)] | add // 0')
last_cum=$(ers '[.[] | select(.kind == "er" and .cum_qty != null)] | last | .cum_qty | tonumber')
fills=$(count '.kind == "er" and .exec_type == "F"')
dups=$(ers '[.[] | select(.kind == "er") | .exec_id] | group_by(.) | map(select(length > 1) | .[0])')
rejects=$(count '.kind != "er"')

echo "tca filled $filled; $fills fill reports ($heard_before_kill before the kill) sum to $summed; last CumQty $last_cum; repeated ExecIDs $dups; rejects $rejects"
[ "$filled" -gt 0 ] || fail "tca says the block filled nothing"
[ "$summed" = "$filled" ] || fail "the fill reports' LastQty sum to $summed, tca says $filled"
[ "$last_cum" = "$filled" ] || fail "the last CumQty is $last_cum, tca says $filled"
[ "$dups" = "[]" ] || fail "ExecIDs repeat: $dups"
[ "$rejects" = 0 ] || fail "the client got $rejects rejects"
[ "$fills" -gt "$heard_before_kill" ] || fail "no fill was reported after the restart"
for t in 0 5 4; do
	n=$(count ".kind == \"er\" and .exec_type == \"$t\"")
	[ "$n" = 1 ] || fail "$n reports of ExecType $t (New 0, Replaced 5, Canceled 4), not 1"
done
final=$(ers '[.[] | select(.kind == "er")] | last | "\(.exec_type) \(.ord_status) \(.leaves_qty)"')
[ "$final" = '"4 4 0"' ] || fail "the last report is not Canceled with nothing left: $final"
grep -q 'continuing the session\|recover' "$tmp/engine2.err" ||
	fail "the restarted engine did not say it recovered the session"
echo "PASS"
