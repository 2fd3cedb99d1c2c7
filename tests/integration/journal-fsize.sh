#!/bin/bash
# tests/integration/journal-fsize.sh TRANCHED -- a file-size limit (ulimit
# -f) is a full disk, not a kill: the write fails with EFBIG, the engine
# goes JOURNAL-HALTED and, stopped so, exits 3; a restart without the limit
# continues the session; `journal salvage` under the limit fails, says so
# and removes what it wrote.  Before SIGXFSZ was ignored both were killed
# by the signal (exit 153), the salvage leaving a cut copy behind.
set -u
TRANCHED=$1
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
cd /

# 40 KiB: the header and a few hundred records, then EFBIG.
(ulimit -f 40; exec "$TRANCHED" --scenario calm --speed max --exit-when-done \
	--journal "$tmp/j.trj" --listen "ipc://$tmp/c") 2> "$tmp/a.err" &
pid=$!
for _ in $(seq 300); do
	grep -q "JOURNAL-HALTED" "$tmp/a.err" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail "the engine died" \
	"(status $?) instead of halting: $(tail -3 "$tmp/a.err")"; }
grep -q "File too large" "$tmp/a.err" ||
	fail "no halt on the file-size limit: $(tail -3 "$tmp/a.err")"
kill "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 3 ] || fail "a halted engine stopped with status $rc, not 3"

# Without the limit the session goes on from its last good write.
timeout 120 "$TRANCHED" --journal "$tmp/j.trj" --speed max --exit-when-done \
	--listen "ipc://$tmp/c" 2> "$tmp/b.err" ||
	fail "the restart failed: $(tail -3 "$tmp/b.err")"
grep -q "continuing the session" "$tmp/b.err" ||
	fail "the restart did not continue: $(head -3 "$tmp/b.err")"

# Salvage into a file the limit cuts: refused, and nothing left behind.
(ulimit -f 8; exec "$TRANCHED" journal salvage "$tmp/j.trj" "$tmp/out.trj") \
	> "$tmp/s.out" 2> "$tmp/s.err"
rc=$?
[ "$rc" -eq 2 ] || fail "salvage under the limit exited $rc: $(cat "$tmp/s.err")"
grep -q "File too large" "$tmp/s.err" ||
	fail "salvage does not say why: $(cat "$tmp/s.err")"
[ -e "$tmp/out.trj" ] && fail "salvage left a cut copy behind"
echo "PASS journal-fsize"
