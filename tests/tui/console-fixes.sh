#!/bin/bash
# tests/tui/console-fixes.sh TRANCHED TRANCHE -- small things a trader saw:
# the style prompt names a mistyped style as such; every Tab stop of the
# trader layout shows which panel has the keyboard; time left reads as a
# duration (2h56m40s), not as a clock time; the block panel's Cost is the
# sum of the parts shown beside it; and an override whose time has run out
# is not shown as "Forced passive, ? left".
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

start_engine --speed 60
console --connect "$URL"
wait_for "State  WORKING"
wait_for_re "(^|[^A-Z])CONNECTED"

# The style prompt: a word that is not a style is not "seconds".
tmux_ send-keys a
wait_for "style passive|neutral|aggressive"
tmux_ send-keys -l x
tmux_ send-keys Enter
wait_for "style 'x': must be passive, neutral or aggressive"
screen | grep -qF "seconds 'x'" &&
	fail "a mistyped style was called seconds"
tmux_ send-keys Escape

# Eight Tab stops, each marked: one focus marker on the screen, on a
# different panel each time, back to the first after eight.
titles=
for i in 1 2 3 4 5 6 7 8; do
	tmux_ send-keys Tab
	sleep 0.3
	n=$(screen | grep -o '▸' | wc -l)
	[ "$n" = 1 ] || fail "Tab stop $i shows $n focus markers"
	t=$(screen | grep -o '▸ [A-Z]*' | head -1)
	case " $titles " in *" ${t#▸ } "*) fail "Tab stop $i is ${t#▸ } again" ;; esac
	titles="$titles ${t#▸ }"
done

# Time left: hours, minutes and seconds with their units.
wait_for_re "Left +[0-9]+h[0-9]{2}m[0-9]{2}s"
screen | grep -qE "Left +[0-9]+:[0-9]{2}" && fail "time left reads like a clock"

# Cost and its parts, from one picture of the screen: the parts before
# the ';' add up to Cost to the dollar.
money() { tr -d '$,' | sed 's/k$/000/'; }
cost_adds_up() {
	local s cost parts sum
	s=$(screen)
	cost=$(printf '%s\n' "$s" | grep -oE 'Cost -?\$[0-9,]+' | head -1 |
		cut -d' ' -f2 | money)
	parts=$(printf '%s\n' "$s" | grep -oE '= [^;│]*;' | head -1)
	[ -n "$cost" ] && [ -n "$parts" ] || return 1
	sum=0
	for v in $(printf '%s' "$parts" | grep -oE -- '-?\$?[0-9][0-9,]*k?' |
		money); do
		sum=$((sum + v))
	done
	[ "$sum" = "$cost" ] || { echo "parts $parts sum $sum, Cost $cost" >&2; return 1; }
}
wait_until 20 cost_adds_up

# An override that runs out while the block sends no events (paused):
# once simulated time is past its end it is not shown at all.
"$TRANCHE" ctl --connect "$URL" pause --reason "fixes test" >/dev/null ||
	fail "pause refused"
wait_for "State  PAUSED"
block=$("$TRANCHE" ctl --connect "$URL" status --json | jq -r '.blocks[0].id')
"$TRANCHE" ctl --connect "$URL" override --block "$block" action=style \
	style=passive for_s=240 --reason "fixes test" >/dev/null ||
	fail "override refused"
# 240 simulated seconds are 4 s at 60x: long enough for a loaded machine's
# console to draw it (30 s, half a second, was missed once in CI).
wait_for "Forced passive"
# Then it goes, once a heartbeat past its end is drawn (a sleep of 7 s and
# one look left a loaded machine 3 s), and nothing of it stays.
wait_gone_re "Forced passive" 30
sleep 1
screen | grep -qF "? left" && fail "an expired override shows '? left'"
screen | grep -qF "Forced passive" && fail "an expired override came back"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-fixes"
