# tests/tui/lib.sh -- helpers for the console tests: a temporary directory,
# the real engine in the background, the real console in a private tmux
# server, and polling of the screen (never fixed sleeps).  Sourced by each
# console-*.sh with TRANCHED and TRANCHE set to the built binaries.

set -u

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tranche-tui.XXXXXX")
SOCK="tranche-test-$$"
URL="ipc://$TMP/ctl"
ENGINE_PID=
export NO_COLOR=       # colour on, as a trader would have it
unset TMUX

tmux_() { tmux -L "$SOCK" -f /dev/null "$@"; }

cleanup() {
	if [ -n "$ENGINE_PID" ]; then
		local i=0
		kill "$ENGINE_PID" 2>/dev/null
		while kill -0 "$ENGINE_PID" 2>/dev/null && [ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$ENGINE_PID" 2>/dev/null
		wait "$ENGINE_PID" 2>/dev/null
	fi
	tmux_ kill-server 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	if tmux_ has-session 2>/dev/null; then
		echo "--- screen ---" >&2
		tmux_ capture-pane -p >&2
	fi
	for f in "$TMP"/*.err "$TMP"/engine.log; do
		[ -s "$f" ] && { echo "--- $f ---" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 not installed"; exit 77; }
}

screen() { tmux_ capture-pane -p 2>/dev/null; }

# wait_for TEXT [TIMEOUT]: poll the screen every 0.1 s until TEXT shows.
wait_for() {
	local text=$1 timeout=${2:-20} i=0
	while [ "$i" -lt $((timeout * 10)) ]; do
		screen | grep -qF -- "$text" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited ${timeout}s for '$text'"
}

# wait_for_re REGEX [TIMEOUT]: an extended regular expression.
wait_for_re() {
	local re=$1 timeout=${2:-20} i=0
	while [ "$i" -lt $((timeout * 10)) ]; do
		screen | grep -qE -- "$re" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited ${timeout}s for /$re/"
}

# wait_gone_re REGEX [TIMEOUT]: poll until no line of the screen matches
# REGEX (what an action must take away, checked after the action).
wait_gone_re() {
	local re=$1 timeout=${2:-20} i=0
	while [ "$i" -lt $((timeout * 10)) ]; do
		screen | grep -qE -- "$re" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited ${timeout}s for /$re/ to go"
}

# wait_for_line A B [TIMEOUT]: a line holding both A and B.
wait_for_line() {
	local a=$1 b=$2 timeout=${3:-20} i=0
	while [ "$i" -lt $((timeout * 10)) ]; do
		screen | grep -F -- "$a" | grep -qF -- "$b" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited ${timeout}s for a line with '$a' and '$b'"
}

# wait_until TIMEOUT CMD...: poll a command every 0.1 s until it succeeds.
wait_until() {
	local timeout=$1 i=0
	shift
	while [ "$i" -lt $((timeout * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "waited ${timeout}s for: $*"
}

start_engine() {
	"$TRANCHED" --listen "$URL" --journal "$TMP/j.trj" "$@" \
		>"$TMP/engine.log" 2>&1 &
	ENGINE_PID=$!
	wait_until 20 "$TRANCHE" ctl --connect "$URL" --timeout 500 status
}

# stop_engine: SIGTERM, and the engine must be gone within 20 s (a hang on
# shutdown is a bug to report, not to wait out).
stop_engine() {
	local i=0
	kill "$ENGINE_PID" 2>/dev/null
	while kill -0 "$ENGINE_PID" 2>/dev/null && [ "$i" -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill -KILL "$ENGINE_PID" 2>/dev/null
		fail "tranched did not stop within 20 s of SIGTERM"
	fi
	wait "$ENGINE_PID" 2>/dev/null
	ENGINE_PID=
}

# console ARGS...: run `tranche ARGS` in the private tmux server, 120x40.
# Its exit status lands in $TMP/tui.rc, its stderr in $TMP/tui.err.
console() {
	rm -f "$TMP/tui.rc"
	tmux_ new-session -d -x 120 -y 40 \
		"$(printf '%q ' "$TRANCHE" "$@") 2>$TMP/tui.err; echo \$? >$TMP/tui.rc"
}

# The console has exited with status 0 and said nothing on stderr (a
# sanitizer report, or endwin()/uv_loop_close() failing, would be there).
console_exited_cleanly() {
	# -s, not -f: the shell creates the file before it writes the status,
	# and a read in between saw "" (tui/console-origin failed so in CI,
	# "console exited 0", on 2026-12-07).
	wait_until 20 test -s "$TMP/tui.rc"
	[ "$(cat "$TMP/tui.rc")" = 0 ] || fail "console exited $(cat "$TMP/tui.rc")"
	[ ! -s "$TMP/tui.err" ] || fail "console wrote to stderr"
}

# block_state: the first block's state as `tranche ctl status --json` says.
block_state() {
	"$TRANCHE" ctl --connect "$URL" status --json | jq -r '.blocks[0].state'
}
