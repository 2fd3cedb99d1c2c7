#!/bin/bash
# tests/tui/console-bidi.sh TRANCHED TRANCHE -- a reason holding U+202E
# (right-to-left override) never reaches a terminal: not the console's
# screen, not `tranche ctl`'s text, not its --json (where it is written as
# the escape \u202e, which means the same to a JSON reader).
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq
export LC_ALL=C.UTF-8 LANG=C.UTF-8

RLO=$'\u202e' PDF=$'\u202c' LRI=$'\u2066'
REASON="bidi ${RLO}check${PDF} done ${LRI}x"

start_engine --speed 60
"$TRANCHE" ctl --connect "$URL" pause --reason "$REASON" >"$TMP/pause.out" \
	2>&1 || fail "pause refused: $(cat "$TMP/pause.out")"

# --json: no raw U+202E, the escape instead, and the same reason to jq.
"$TRANCHE" ctl --connect "$URL" snapshot --json >"$TMP/snap.json" ||
	fail "snapshot --json failed"
grep -qF -- "$RLO" "$TMP/snap.json" && fail "ctl --json wrote a raw U+202E"
grep -qF -- '\u202e' "$TMP/snap.json" || fail "ctl --json lost the U+202E"
jq -e --arg r "$REASON" '[.audit[] | select(.reason == $r)] | length == 1' \
	"$TMP/snap.json" >/dev/null || fail "the escaped reason reads differently"

# A refusal's message echoes a value: ctl's text output strips it.
"$TRANCHE" ctl --connect "$URL" cancel --block "9${RLO}9" --reason x \
	>"$TMP/cancel.out" 2>&1
grep -qF -- "$RLO" "$TMP/cancel.out" && fail "ctl printed a raw U+202E"

# The console shows the audited reason without it (in the supervisor
# layout, whose audit log has the rows for both records with their reasons:
# the trader layout's two rows hold the newest record only).
console --connect "$URL" --layout supervisor
wait_for "bidi check done x"
screen | grep -qF -- "$RLO" && fail "U+202E reached the console's screen"
screen | grep -qF -- "$LRI" && fail "U+2066 reached the console's screen"
tmux_ send-keys q
console_exited_cleanly
echo "PASS console-bidi"
