#!/bin/bash
# tests/integration/tokens.sh TRANCHED TRANCHE -- where tokens come from and
# what they grant: a tokens file readable by others stops the engine from
# starting (naming the file and its mode), so does a token listed twice
# (naming both places), a tcp:// listener without any
# token is refused, and over tcp:// a peer without a token, with an unknown
# one, or asking for more than its token grants is refused, while the right
# token works.
set -u
TRANCHED=$1 TRANCHE=$2
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		sleep 0.5
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state
unset TRANCHE_TOKENS TRANCHE_TOKEN TRANCHE_TOKENS_FILE
mkdir -p "$XDG_CONFIG_HOME/tranche"
tokens=$XDG_CONFIG_HOME/tranche/tokens
# Four ports (an engine's control and events, then a replay's), below the
# kernel's ephemeral range (32768 up) where no outgoing connection takes
# them; the engine's start tries the next four when another test has them.
port=$((20000 + ($$ * 4) % 12000))
url=tcp://127.0.0.1:$port

# A tokens file others can read: refused, naming the file and the mode.
printf '# desk tokens\ntrader trader-token-1\nsupervisor super-token-1\n' > "$tokens"
chmod 644 "$tokens"
timeout 10 "$TRANCHED" --listen "ipc://$tmp/a" --journal "$tmp/a.trj" 2> "$tmp/err" &&
	fail "started with a world-readable tokens file"
grep -q "tokens file $tokens has mode 0644" "$tmp/err" ||
	fail "mode not named: $(cat "$tmp/err")"
# Nor may its group read it, or anyone write it (a check of the others'
# bits alone passed every test: found by mutation testing).
for mode in 640 620 602; do
	chmod "$mode" "$tokens"
	timeout 10 "$TRANCHED" --listen "ipc://$tmp/a" --journal "$tmp/a.trj" \
		2> "$tmp/err" && fail "started with a tokens file of mode $mode"
	grep -q "tokens file $tokens has mode 0$mode" "$tmp/err" ||
		fail "mode $mode not named: $(cat "$tmp/err")"
done

# A malformed line is named by line number.
chmod 600 "$tokens"
printf 'trader\n' >> "$tokens"
timeout 10 "$TRANCHED" --listen "ipc://$tmp/b" --journal "$tmp/b.trj" 2> "$tmp/err" &&
	fail "started with a malformed tokens file"
grep -q "tokens:4: expected \"ROLE TOKEN\"" "$tmp/err" ||
	fail "bad line not named: $(cat "$tmp/err")"

# A token listed twice -- under two roles, or twice under one, or in the
# file and the environment -- is a startup error naming both places.
printf 'trader dup-token-77\nsupervisor dup-token-77\n' > "$tokens"
timeout 10 "$TRANCHED" --listen "ipc://$tmp/b2" --journal "$tmp/b2.trj" 2> "$tmp/err" &&
	fail "started with a token listed under two roles"
grep -q "tokens:2: this token is already listed (tokens file $tokens:1, as trader)" \
	"$tmp/err" || fail "duplicate not named: $(cat "$tmp/err")"
printf 'trader dup-token-77\n' > "$tokens"
TRANCHE_TOKENS="trader=dup-token-77" timeout 10 "$TRANCHED" --listen "ipc://$tmp/b3" \
	--journal "$tmp/b3.trj" 2> "$tmp/err" &&
	fail "started with a token in the file and the environment"
grep -q "TRANCHE_TOKENS: this token is already listed (tokens file $tokens:1" \
	"$tmp/err" || fail "duplicate not named: $(cat "$tmp/err")"
rm "$tokens"
TRANCHE_TOKENS="viewer=dup-token-77,viewer=dup-token-77" timeout 10 "$TRANCHED" \
	--listen "ipc://$tmp/b4" --journal "$tmp/b4.trj" 2> "$tmp/err" &&
	fail "started with a token twice in TRANCHE_TOKENS"
grep -q "already listed" "$tmp/err" || fail "duplicate not named: $(cat "$tmp/err")"

# Two tokens of one role with no name: refused, naming both places (an
# unnamed token was named by its place among all tokens, so a line added
# above it gave its remembered ids to another token after a restart).
printf 'trader trader-token-1\nviewer view-token-1\ntrader trader-token-2\n' > "$tokens"
chmod 600 "$tokens"
timeout 10 "$TRANCHED" --listen "ipc://$tmp/b5" --journal "$tmp/b5.trj" 2> "$tmp/err" &&
	fail "started with two unnamed trader tokens"
grep -q "tokens:3: a second trader token with no name (the first: tokens file $tokens:1)" \
	"$tmp/err" || fail "two unnamed tokens not named: $(cat "$tmp/err")"
# A NUL byte in a line is refused, naming the line (the token's first
# characters were granted); a long line is read whole, however long.
printf 'viewer view-token-1\nsupervisor abcdefgh\0-rest-of-it\n' > "$tokens"
timeout 10 "$TRANCHED" --listen "ipc://$tmp/b7" --journal "$tmp/b7.trj" 2> "$tmp/err" &&
	fail "started with a NUL byte in a token"
grep -q "tokens:2: a NUL byte in the line" "$tmp/err" ||
	fail "the NUL not named: $(cat "$tmp/err")"
printf 'trader trader-token-1%2000s\n' "" > "$tokens"
# Until it says it listens (20 s at most: a sanitizer build on a loaded
# machine took more than the 3 s once allowed) or stops.
"$TRANCHED" --listen "ipc://$tmp/b8" --journal "$tmp/b8.trj" 2> "$tmp/err" &
b8=$!
for _ in $(seq 200); do
	grep -q "listening on" "$tmp/err" && break
	kill -0 "$b8" 2>/dev/null || break
	sleep 0.1
done
kill "$b8" 2>/dev/null
wait "$b8" 2>/dev/null
grep -q "listening on" "$tmp/err" ||
	fail "a line of 2,000 spaces after its token refused: $(cat "$tmp/err")"
printf 'trader trader-token-1\n' > "$tokens"
TRANCHE_TOKENS="trader=trader-token-2" timeout 10 "$TRANCHED" --listen "ipc://$tmp/b6" \
	--journal "$tmp/b6.trj" 2> "$tmp/err" &&
	fail "started with an unnamed trader token in the file and another in the environment"
grep -q "TRANCHE_TOKENS: a second trader token with no name" "$tmp/err" ||
	fail "two unnamed tokens not named: $(cat "$tmp/err")"
rm "$tokens"

# tcp:// with no token anywhere: refused.
timeout 10 "$TRANCHED" --listen "$url" --journal "$tmp/c.trj" 2> "$tmp/err" &&
	fail "tcp:// listener started without tokens"
grep -q "needs tokens" "$tmp/err" || fail "no reason given: $(cat "$tmp/err")"

# Tokens from the environment and a file; a tcp:// engine.  The file has a
# comment longer than 511 bytes with a token in its text (it was read 511
# bytes at a time, and the rest granted as a line of its own); the
# environment is longer than 4 KB, the supervisor's token across its
# 4,096th byte (it was cut there, and the token's first ten characters
# granted supervisor).
{
	printf '#%0510d supervisor revoked-super-9 carol\n' 0
	printf 'viewer view-token-5\n'
} > "$tokens"
chmod 600 "$tokens"
envtok=trader=trader-token-1,
for i in $(seq 10 40); do
	envtok+="trader:t$i=filler-token-$i-$(printf '%0100d' 0),"
done
envtok+=$(printf 'viewer:v6=view-token-6-%0*d,' $((4074 - ${#envtok} - 24)) 0)
[ ${#envtok} -eq 4074 ] || fail "test: TRANCHE_TOKENS is ${#envtok} bytes before the supervisor's"
envtok+="supervisor=BOSS012345-super-token-1"
ok=0
for try in $(seq 0 9); do
	rm -f "$tmp/d.trj"
	TRANCHE_TOKENS=$envtok \
		"$TRANCHED" --listen "$url" --journal "$tmp/d.trj" --speed 10 \
		2> "$tmp/engine.err" &
	pid=$!
	for _ in $(seq 100); do
		"$TRANCHE" ctl --connect "$url" --token trader-token-1 --timeout 500 \
			status >/dev/null 2>&1 && { ok=1; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ $ok = 1 ] && break
	wait "$pid" 2>/dev/null
	pid=
	grep -q "in use" "$tmp/engine.err" || break
	port=$((20000 + ($$ * 4 + (try + 1) * 4) % 12000))
	url=tcp://127.0.0.1:$port
done
[ $ok = 1 ] || fail "trader token refused: $(cat "$tmp/engine.err")"
"$TRANCHE" ctl --connect "$url" --timeout 2000 status > "$tmp/out" 2>&1 &&
	fail "tcp:// peer without a token was answered"
grep -q "token" "$tmp/out" || fail "refusal does not say token: $(cat "$tmp/out")"
"$TRANCHE" ctl --connect "$url" --token wrong-token-9 --timeout 2000 status \
	> "$tmp/out" 2>&1 && fail "unknown token accepted"
"$TRANCHE" ctl --connect "$url" --token trader-token-1 --role supervisor \
	--timeout 2000 kill --reason test > "$tmp/out" 2>&1 &&
	fail "a trader token was granted supervisor"
grep -q "grants trader at most" "$tmp/out" || fail "no reason: $(cat "$tmp/out")"
for t in revoked-super-9 BOSS012345; do
	"$TRANCHE" ctl --connect "$url" --token $t --role supervisor \
		--timeout 2000 status > "$tmp/out" 2>&1 && fail "token $t was granted"
done
"$TRANCHE" ctl --connect "$url" --token view-token-5 --role viewer \
	--timeout 2000 status > "$tmp/out" 2>&1 ||
	fail "the file's token after a long comment refused: $(cat "$tmp/out")"
"$TRANCHE" ctl --connect "$url" --token BOSS012345-super-token-1 --role supervisor \
	--timeout 2000 kill --reason "token test" > "$tmp/out" 2>&1 ||
	fail "supervisor token refused: $(cat "$tmp/out")"

rm "$tokens"

# A replay of that journal over tcp:// is read under the same rule: a
# recorded session holds the same orders and fills.  No token, or a wrong
# one: status and snapshot refused; the right token: answered.
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
ok=0
for try in 0 1 2 3 4 5 6 7 8 9; do
	rurl=tcp://127.0.0.1:$((port + 2 + try * 4))
	TRANCHE_TOKENS="viewer=view-token-1" \
		"$TRANCHED" replay "$tmp/d.trj" --listen "$rurl" --speed max \
		2> "$tmp/replay.err" &
	pid=$!
	for _ in $(seq 100); do
		"$TRANCHE" ctl --connect "$rurl" --token view-token-1 --role viewer \
			--timeout 500 snapshot >/dev/null 2>&1 && { ok=1; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ $ok = 1 ] && break
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	# Its port taken by a test beside this one: the next.
	grep -q "in use" "$tmp/replay.err" || break
done
[ $ok = 1 ] || fail "replay: the viewer token was refused: $(cat "$tmp/replay.err")"
for cmd in status snapshot; do
	"$TRANCHE" ctl --connect "$rurl" --role viewer --timeout 2000 $cmd \
		> "$tmp/out" 2>&1 && fail "replay: $cmd answered a peer without a token"
	grep -q "token" "$tmp/out" || fail "replay: refusal does not say token: $(cat "$tmp/out")"
	"$TRANCHE" ctl --connect "$rurl" --token wrong-token-9 --role viewer \
		--timeout 2000 $cmd > "$tmp/out" 2>&1 &&
		fail "replay: $cmd answered an unknown token"
done
"$TRANCHE" ctl --connect "$rurl" --token view-token-1 --role viewer --json \
	--timeout 2000 snapshot > "$tmp/out" 2>&1 ||
	fail "replay: the viewer token's snapshot refused: $(cat "$tmp/out")"
grep -q '"books"' "$tmp/out" || fail "replay: no books in the snapshot"
echo "PASS tokens"
