#!/bin/bash
# tests/tui/console-journal-halt.sh TRANCHED TRANCHE -- the console shows an
# engine whose journal cannot be written: JOURNAL-HALTED in the status bar
# and the block panel, the crit alert naming the errno, a throttle refused
# with journal_unavailable; then a supervisor resumes it with J (a reason,
# then y) and the block works again.  The disk fills through the test-only
# switch TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER.
TRANCHED=$1 TRANCHE=$2
. "$(dirname "$0")/lib.sh"
need tmux
need jq

export TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER=150000
start_engine --speed 600
unset TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER
console --connect "$URL" --role supervisor

# The halt, where a trader looks: the status bar, the block, the alerts.
wait_for "State  JOURNAL-HALTED" 30
wait_for_line "CONNECTED" "JOURNAL-HALTED"
wait_for "No space left on device"
[ "$(block_state)" = JOURNAL-HALTED ] ||
	fail "engine says $(block_state), not JOURNAL-HALTED"

# A change is refused, naming why.
tmux_ send-keys t
wait_for "throttle 1: participation cap"
tmux_ send-keys -l 30
tmux_ send-keys Enter
wait_for "throttle 1 to 30% (cap now "
tmux_ send-keys -l "while full"
tmux_ send-keys Enter
wait_for "y sends"
tmux_ send-keys y
wait_for "throttle refused: journal write failed: No space left on device"

# J: a reason, the request shown, y sends it.
tmux_ send-keys J
wait_for "journal_resume: reason:"
tmux_ send-keys -l "tmux test: space freed"
tmux_ send-keys Enter
wait_for '{"cmd":"journal_resume","reason":"tmux test: space freed"}'
tmux_ send-keys y
wait_for "journal_resume: ok"
# Slow the session down so the journal's new budget lasts.
"$TRANCHE" ctl --connect "$URL" --role supervisor speed speed=1 \
	--reason "tmux test" >/dev/null || fail "speed refused after the resume"
wait_for "State  WORKING"
wait_for_line "CONNECTED" "LIVE"

tmux_ send-keys q
console_exited_cleanly
stop_engine
echo "PASS console-journal-halt"
