#!/bin/bash
# tests/integration/journal-name.sh TRANCHED -- without --journal the engine
# names its journal after the scenario, under $XDG_STATE_HOME/tranche; the
# name is anyone's text, so what is not a letter, digit, '-', '_' or a '.'
# after the first character becomes '_' (an empty name is "session").  "../../escaped" made the journal
# two directories up (found by an adversarial review, 2026-12-07).
set -u
TRANCHED=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/a/b/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
cd /

for name in '../../escaped' 'no/such/dir' '.hidden' '' ; do
	rm -rf "$tmp/a" "$tmp/escaped"*
	mkdir -p "$tmp/a/b"
	timeout 60 "$TRANCHED" --scenario calm --set "name=$name" \
		--set orders.0.end=09:35:00 --speed max --exit-when-done \
		--listen "ipc://$tmp/c" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 0 ] || fail "name '$name': rc $rc: $(head -3 "$tmp/err")"
	n=$(find "$tmp" -name '*.trj' | wc -l)
	j=$(find "$tmp" -name '*.trj')
	[ "$n" -eq 1 ] || fail "name '$name': $n journals: $j"
	[ -n "$name" ] || case $(basename "$j") in
	session-*) ;;
	*) fail "an empty name: $j" ;;
	esac
	[ "$(dirname "$j")" = "$XDG_STATE_HOME/tranche" ] ||
		fail "name '$name': journal outside the directory: $j"
	case $(basename "$j") in
	.*) fail "name '$name': a hidden journal: $j" ;;
	*/*) fail "name '$name': $j" ;;
	esac
done
echo "PASS journal-name"
