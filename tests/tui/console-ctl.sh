#!/bin/bash
# tests/tui/console-ctl.sh TRANCHED TRANCHE -- `tranche ctl` against the real
# engine, exit statuses and usage errors of every form, and the live console
# quitting by itself after --frames N.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

# expect STATUS TEXT CMD...: CMD exits STATUS and its output holds TEXT.
expect() {
	local want=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $out"
	printf '%s' "$out" | grep -qF -- "$text" ||
		fail "'$*' did not say '$text': $out"
}

# Usage errors name the option and the value, and exit 2.
expect 2 "--frames 'many'" "$TRANCHE" --frames many
expect 2 "unknown option '--bogus'" "$TRANCHE" --bogus
expect 2 "--connect 'nowhere'" "$TRANCHE" --connect nowhere
expect 2 "unexpected argument 'extra'" "$TRANCHE" extra
expect 2 "which journal" "$TRANCHE" replay
expect 2 "--speed '1000'" "$TRANCHE" replay x.trj --speed 1000
expect 2 "unknown option '--connect'" "$TRANCHE" replay x.trj --connect "$URL"
expect 2 "unknown command 'fly'" "$TRANCHE" ctl fly
expect 2 "--reason TEXT is required" "$TRANCHE" ctl pause
expect 2 "PCT 'lots'" "$TRANCHE" ctl throttle lots --reason x
expect 2 "PCT '0'" "$TRANCHE" ctl throttle 0 --reason x
# Decimal numbers only: strtod read "0x10" as 16% (found by a probe).
expect 2 "PCT '0x10'" "$TRANCHE" ctl throttle 0x10 --reason x
expect 2 "--block ID is required" "$TRANCHE" ctl cancel --reason x
expect 2 "option '--reason' needs a value" "$TRANCHE" ctl pause --reason
# An empty --block (an unset shell variable) is not "every block", and a
# value given twice is a typo, not the last one (found by a probe on
# 2026-12-05: the throttle capped every block, the submit sold).
expect 2 "--block '': not a block id" "$TRANCHE" ctl throttle 10 --block "" \
	--reason x
expect 2 "--block '': not a block id" "$TRANCHE" ctl pause --block "" \
	--reason x
expect 2 "--block '2': given twice" "$TRANCHE" ctl pause --block 1 --block 2 \
	--reason x
expect 2 "--reason 'b': given twice" "$TRANCHE" ctl pause --reason a \
	--reason b
expect 2 "side given twice (also 'side=buy')" "$TRANCHE" ctl submit sym=QDI \
	side=buy qty=300 duration_s=600 side=sell --reason x
expect 2 "'block=2': block is given elsewhere" "$TRANCHE" ctl amend \
	--block 1 qty=5 block=2 --reason x
expect 0 "usage: tranche [--connect URL]" "$TRANCHE" --help
expect 0 "usage: tranche replay JOURNAL" "$TRANCHE" replay --help
expect 0 "usage: tranche ctl" "$TRANCHE" ctl --help
expect 1 "cannot read" "$TRANCHE" replay "$TMP/none.trj"

# No engine there: 1, saying so.
expect 1 "no answer from" "$TRANCHE" ctl --connect "ipc://$TMP/none" \
	--timeout 300 status

start_engine --speed 60
expect 0 "WORKING" "$TRANCHE" ctl --connect "$URL" status
"$TRANCHE" ctl --connect "$URL" status --json | jq -e '.ok == true' >/dev/null ||
	fail "status --json is not the raw reply"
"$TRANCHE" ctl --connect "$URL" snapshot --json | jq -e '.seq > 0' >/dev/null ||
	fail "snapshot --json has no seq"
expect 0 "participation cap 20%" "$TRANCHE" ctl --connect "$URL" \
	throttle 20 --reason "ctl test"
expect 0 "pause: ok" "$TRANCHE" ctl --connect "$URL" pause --reason "ctl test"
[ "$(block_state)" = PAUSED ] || fail "ctl pause did not pause"
expect 0 "resume: ok" "$TRANCHE" ctl --connect "$URL" resume --reason "ctl test"
expect 1 "refused" "$TRANCHE" ctl --connect "$URL" cancel --block nosuch \
	--reason "ctl test"

# estimate: read-only, any role; the model's figure beside the law's.
expect 0 "square-root law:" "$TRANCHE" ctl --connect "$URL" --role viewer \
	estimate --block 1 qty=2000
"$TRANCHE" ctl --connect "$URL" estimate sym=QDI side=buy qty=500 --json |
	jq -e '.impact_bps > 0 and .sqrt_bps > 0 and .volume_5min > 0 and
	       .side == "buy" and .qty == 500 and .model == "impact"' >/dev/null ||
	fail "estimate --json lacks the model's figures"
expect 1 'field "qty" 0' "$TRANCHE" ctl --connect "$URL" estimate \
	sym=QDI side=buy qty=0
expect 1 'field "side" "up"' "$TRANCHE" ctl --connect "$URL" estimate \
	sym=QDI side=up qty=10
expect 1 'field "sym" "XYZ"' "$TRANCHE" ctl --connect "$URL" estimate \
	sym=XYZ side=buy qty=10
# A number goes as it was typed, so the refusal quotes it so (1e300 came
# back as 1e+300, 99999999999999999999 as 1e+20: found by a review).
expect 1 'field "qty" 1e300:' "$TRANCHE" ctl --connect "$URL" submit \
	sym=QDI side=buy qty=1e300 duration_s=600 --reason x
expect 1 'field "qty" 99999999999999999999:' "$TRANCHE" ctl --connect "$URL" \
	submit sym=QDI side=buy qty=99999999999999999999 duration_s=600 \
	--reason x

# The live console, attached, quits by itself after 50 frames.
console --connect "$URL" --frames 50
console_exited_cleanly
echo "PASS console-ctl"
