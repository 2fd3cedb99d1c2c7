#!/usr/bin/env bash
# tests/docs/options-in-man.sh BINARY MANPAGE [ARGS...] -- every long option
# that `BINARY [ARGS...] --help` prints must be documented in MANPAGE (as
# "Fl \-NAME"), so --help and the man page cannot drift apart.
set -euo pipefail
bin=$1 page=$2
shift 2
opts=$("$bin" "$@" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
[ -n "$opts" ] || { echo "no options in $bin --help"; exit 1; }
missing=0
for o in $opts; do
	name=${o#--}
	if ! grep -qE "Fl \\\\-\\\\?-?${name//-/\\\\?-}([^a-z-]|$)" "$page"; then
		echo "$page does not document $o"
		missing=1
	fi
done
[ $missing -eq 0 ] && echo "all $(echo "$opts" | wc -w) options of $(basename "$bin") $* are in $(basename "$page")"
exit $missing
