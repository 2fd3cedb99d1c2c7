#!/bin/bash
# tests/cli/train-ppo.sh TRANCHED -- `tranched train --method ppo` on real
# sessions: a tiny run with one worker and the same run with two write the
# same model and the same learning curve (the sampling streams depend on
# seed, iteration and episode only, and episodes are filed by index); the
# model records PPO's settings and the engine loads it; bad PPO options are
# refused naming the option and the value, and write nothing.
set -eu
T=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
args=(--method ppo --scenarios calm,trend --episodes 16 --per 8 --val-episodes 2
	--validate-every 1 --ppo-epochs 2 --minibatch 64 --lr 0.01 --quiet)

"$T" train "${args[@]}" --jobs 1 --out "$tmp/a.json" > /dev/null || fail "train --jobs 1"
"$T" train "${args[@]}" --jobs 2 --out "$tmp/b.json" > /dev/null || fail "train --jobs 2"
cmp <(jq -c .weights "$tmp/a.json") <(jq -c .weights "$tmp/b.json") ||
	fail "--jobs 1 and --jobs 2 wrote different weights"
cmp <(cut -d, -f1-10 "$tmp/a.json.csv") <(cut -d, -f1-10 "$tmp/b.json.csv") ||
	fail "--jobs 1 and --jobs 2 learned differently: $(paste "$tmp/a.json.csv" "$tmp/b.json.csv")"
[ "$(wc -l < "$tmp/a.json.csv")" -eq 4 ] || fail "curve: want a header and 3 rows"
# The two iterations moved the policy: its sampled actions' log-probabilities
# changed (approximate KL not 0).
awk -F, 'NR > 2 && $5 != 0 { moved = 1 } END { exit !moved }' "$tmp/a.json.csv" ||
	fail "the policy did not move: $(cat "$tmp/a.json.csv")"
jq -e '.meta.training.method | startswith("PPO")' "$tmp/a.json" > /dev/null ||
	fail "the model does not say it was trained by PPO"
jq -e '.meta.training.gae_lambda == 0.95 and .meta.training.iterations == 2' \
	"$tmp/a.json" > /dev/null || fail "the model's record: $(jq -c .meta.training "$tmp/a.json")"
# The model it wrote is one the engine loads (its record named "prior"
# twice, and every PPO model was refused: found by a review).
"$T" model "$tmp/a.json" > "$tmp/model.out" 2>&1 ||
	fail "the engine refuses the model PPO wrote: $(cat "$tmp/model.out")"
TRANCHE_MODEL=$tmp/a.json "$T" backtest --scenario calm --algo learned --seeds 1 \
	--quiet > /dev/null 2>&1 || fail "a backtest refuses the model PPO wrote"

bad() {
	local want=$1
	shift
	if "$T" train --scenarios calm --episodes 8 --out "$tmp/bad.json" "$@" 2> "$tmp/err"; then
		fail "$* accepted"
	fi
	grep -qF -- "$want" "$tmp/err" || fail "$*: error does not say '$want': $(cat "$tmp/err")"
	[ ! -e "$tmp/bad.json" ] || fail "$*: wrote a model"
}
bad '--method "dqn": must be es, ppo or rollout' --method dqn
bad '--gamma 1.5' --method ppo --gamma 1.5
bad '--gae-lambda -0.1' --method ppo --gae-lambda -0.1
bad '--clip 0' --method ppo --clip 0
bad '--ppo-epochs 0' --method ppo --ppo-epochs 0
echo "ok: ppo training is the same with 1 and 2 workers; bad options refused"
