#!/bin/sh
# tests/expect.sh [--status N] REGEX COMMAND [ARGS...] -- run COMMAND, show
# what it printed, and pass only when it exited with status N (default 0)
# *and* its output matches the extended regular expression REGEX.  CTest's
# PASS_REGULAR_EXPRESSION ignores the exit status, so a sanitizer report or
# an error exit after the expected line would pass; this does not.
want=0
if [ "$1" = --status ]; then
	want=$2
	shift 2
fi
re=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne "$want" ]; then
	echo "FAIL: exit status $rc, not $want: $*" >&2
	exit 1
fi
if ! printf '%s\n' "$out" | grep -qE -- "$re"; then
	echo "FAIL: output does not match /$re/: $*" >&2
	exit 1
fi
exit 0
