#!/bin/bash
# tests/tui/console-audit.sh TRANCHED TRANCHE -- the console's audit log
# reads who did what, with the values, live and in replay:
#
#   10:42:13 j.smith (supervisor) throttle block 1 12% (was 100%)
#            - reduce footprint
#
# (the reason on the first row when the whole sentence fits there)
# A supervisor's token named j.smith throttles, a local trader (the unix
# user) forces a style and switches the algorithm, and a viewer's pause is
# refused: the supervisor layout's audit panel shows each as a sentence,
# and so does `tranche replay` of the journal.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

export XDG_CONFIG_HOME=$TMP/cfg
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
mkdir -p "$XDG_CONFIG_HOME/tranche"
printf 'supervisor super-token-1 j.smith\n' > "$XDG_CONFIG_HOME/tranche/tokens"
chmod 600 "$XDG_CONFIG_HOME/tranche/tokens"
me=$(id -un)
# A wide terminal, so that each sentence fits on one line of the panel.
console_wide() {
	rm -f "$TMP/tui.rc"
	tmux_ new-session -d -x 200 -y 50 \
		"$(printf '%q ' "$TRANCHE" "$@") 2>$TMP/tui.err; echo \$? >$TMP/tui.rc"
}

start_engine --speed 60
console_wide --connect "$URL" --layout supervisor
wait_for "AUDIT 0"
"$TRANCHE" ctl --connect "$URL" --token super-token-1 --role supervisor \
	throttle 12 --block 1 --reason "reduce footprint" >/dev/null ||
	fail "throttle refused"
wait_for "j.smith (supervisor) throttle block 1 12% (was 100%)"
wait_for "— reduce footprint"
"$TRANCHE" ctl --connect "$URL" override --block 1 action=style \
	style=passive for_s=600 --reason "go quiet" >/dev/null ||
	fail "style refused"
wait_for "$me (trader) style block 1 passive for 600 s (was none)"
"$TRANCHE" ctl --connect "$URL" override --block 1 action=algo algo=vwap \
	--reason "follow volume" >/dev/null || fail "algo refused"
wait_for "$me (trader) algo block 1 twap -> vwap"
"$TRANCHE" ctl --connect "$URL" --role viewer pause --block 1 \
	--reason "may I" >/dev/null 2>&1 && fail "a viewer paused"
wait_for "REFUSED $me (viewer) pause block 1 (was WORKING)"
wait_for "AUDIT 4"
tmux_ send-keys q
console_exited_cleanly
stop_engine

# The same sentences in a replay of the journal, once played to its end.
console_wide replay "$TMP/j.trj" --speed 100 --layout supervisor
wait_for_line "REPLAY" "PLAYING"
wait_for_re "REPLAY.*[|][0-9]{2}:[0-9]{2}:[0-9]{2}"
bar=$(screen | grep -m1 REPLAY)
last=$(printf '%s' "$bar" | grep -oE '[|][0-9]{2}:[0-9]{2}:[0-9]{2}' | tr -d '|')
[ -n "$last" ] || fail "no end time on the transport bar: $bar"
tmux_ send-keys g "$last" Enter
wait_for_line "REPLAY" "STOPPED"
wait_for "j.smith (supervisor) throttle block 1 12% (was 100%)"
wait_for "$me (trader) algo block 1 twap -> vwap"
wait_for "REFUSED $me (viewer) pause block 1 (was WORKING)"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-audit"
