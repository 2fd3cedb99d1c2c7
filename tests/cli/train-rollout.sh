#!/bin/bash
# tests/cli/train-rollout.sh TRANCHED [first|second] -- `tranched train --method rollout`
# on real sessions: a tiny run with one worker (tuning the news rule too)
# and one with two write the same weights and the same learning curve (the
# points depend on seed, iteration and session only, and runs are filed by
# index, and the rule leaves both alone); the
# model is linear, leaves its baseline somewhere (the fit moved it), and
# records the trainer's settings; bad rollout options (fractional counts,
# an --out that cannot be written, refused before training) are refused
# naming the option and the value, and write nothing; --states writes every
# labelled state; --no-book-head carries another model's network in as
# the head for markets with no book, leaving the trained head as it was;
# --news-rule tunes the news confirmation and records every setting;
# --hard-news then tunes the rule for after hard news the same way, on a
# mix with hard news in it, leaving the Q-function and the news rule as
# they were.
#
# A second argument, first or second, runs one half (ctest runs the two
# side by side: the whole took 81 s alone and near its 180 s limit beside
# three other tests on two cores).
set -eu
T=$1
part=${2:-both}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
args=(--method rollout --scenarios news-soft,calm --episodes 4 --iterations 1
	--points 1 --val-episodes 2 --quiet)

if [ "$part" != second ]; then # the first half: to the news rule
# The run with one worker also tunes the news confirmation (below): it
# must leave the Q-function and the curve as the run without it has them.
"$T" train "${args[@]}" --jobs 1 --news-rule --out "$tmp/a.json" > /dev/null ||
	fail "train --jobs 1 --news-rule"
"$T" train "${args[@]}" --jobs 2 --out "$tmp/b.json" --states "$tmp/b.states" > /dev/null ||
	fail "train --jobs 2"
cmp <(jq -c .weights "$tmp/a.json") <(jq -c .weights "$tmp/b.json") ||
	fail "--jobs 1 (with --news-rule) and --jobs 2 wrote different weights"
cmp "$tmp/a.json.csv" "$tmp/b.json.csv" ||
	fail "--jobs 1 (with --news-rule) and --jobs 2 learned differently: $(paste "$tmp/a.json.csv" "$tmp/b.json.csv")"
[ "$(wc -l < "$tmp/a.json.csv")" -eq 3 ] || fail "curve: want a header and 2 rows"
# Four sessions, one point each: four labelled states.
awk -F, 'NR == 3 && $2 == 4 { ok = 1 } END { exit !ok }' "$tmp/a.json.csv" ||
	fail "iteration 1 did not label 4 states: $(cat "$tmp/a.json.csv")"
# --states: a header (the inputs by name, the candidates by action) and
# the same 4 states, each with a label per candidate.
python3 - "$tmp/b.states" "$tmp/a.json" <<'PY' || fail "--states: $(head -3 "$tmp/b.states")"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
m = json.load(open(sys.argv[2]))
head, body = rows[0], rows[1:]
feats = [f["name"] for f in m["features"]]
assert head[:4] == ["iteration", "session", "point", "news"], head[:4]
assert head[4:4 + len(feats)] == feats, head
assert head[4 + len(feats)] == "label:base" and len(head) == 4 + len(feats) + 20, head
assert all(h.startswith("label:") for h in head[4 + len(feats):]), head
assert len(body) == 4 and all(len(r) == len(head) for r in body), body
assert all(r[0] == "1" for r in body)
assert all(float(r[4 + len(feats)]) == 0 for r in body)  # the base's own label
PY
# A full disk (/dev/full) under --states fails the run, saying so, and the
# model it trained is still saved.
if [ -w /dev/full ]; then
	if "$T" train "${args[@]}" --jobs 1 --out "$tmp/full.json" --states /dev/full \
		> /dev/null 2> "$tmp/full.err"; then
		fail "--states /dev/full: exit 0"
	fi
	grep -qF -- "--states /dev/full: could not write every state" "$tmp/full.err" ||
		fail "--states /dev/full: $(cat "$tmp/full.err")"
	cmp <(jq -c .weights "$tmp/b.json") <(jq -c .weights "$tmp/full.json") ||
		fail "--states /dev/full: the model was not saved as trained"
fi
jq -e '.arch.layers | length == 2' "$tmp/a.json" > /dev/null ||
	fail "the rollout policy is not linear: $(jq -c .arch "$tmp/a.json")"
jq -e '.meta.training.method | startswith("rollout policy iteration")' "$tmp/a.json" > /dev/null ||
	fail "the model does not say how it was trained"
jq -e '.meta.training.points == 1 and .meta.training.hold == 0.1 and .meta.training.states == 4' \
	"$tmp/a.json" > /dev/null || fail "the model's record: $(jq -c .meta.training "$tmp/a.json")"
# The fit wrote a policy: some weight of the inputs is not 0 (the untrained
# model's are all 0).  Whether it validated better is the unit test's
# question (tests/unit/test-model-rollout.c); here only the plumbing.
python3 - "$tmp/a.json" <<'PY' || fail "the fit left every input weight 0"
import json, sys
m = json.load(open(sys.argv[1]))
nin, nout = m["arch"]["layers"]
sys.exit(0 if any(abs(w) > 0 for w in m["weights"][:nin * nout]) else 1)
PY

# --news-rule: the same run tunes the news confirmation on fresh sessions,
# the same with one worker and two; every setting's training cost is
# recorded, and the rule is in the model (version 5) exactly when the
# record says it was kept.
n1=$tmp/a.json
"$T" train "${args[@]}" --jobs 2 --news-rule --out "$tmp/n2.json" > /dev/null ||
	fail "train --news-rule --jobs 2"
cmp <(jq -c 'del(.meta.training.seconds, .meta.training.jobs, .meta.training.news_rule.seconds)' "$n1") \
	<(jq -c 'del(.meta.training.seconds, .meta.training.jobs, .meta.training.news_rule.seconds)' "$tmp/n2.json") ||
	fail "--news-rule: --jobs 1 and --jobs 2 wrote different models"
jq -e '.meta.training.news_rule | (.grid | length) == 24 and
	all(.grid[]; .train_cost_bps | type == "number") and
	(.train_cost_without_bps | type == "number") and (.kept | type == "boolean")' \
	"$n1" > /dev/null || fail "--news-rule: record $(jq -c .meta.training.news_rule "$n1")"
jq -e 'if .meta.training.news_rule.kept then .version == 5 and
	(.news_rule.after_s | length) == 2 else .version == 4 and .news_rule == null end' \
	"$n1" > /dev/null ||
	fail "--news-rule: model $(jq -c '[.version, .news_rule, .meta.training.news_rule.kept]' "$n1")"

fi # the first half
if [ "$part" = first ]; then
	echo "ok: rollout training is the same with 1 and 2 workers; --states and --news-rule"
	exit 0
fi
# The second half: --hard-news, --no-book-head and bad options.

# --hard-news: after the news rule, on other fresh sessions.  A mix with
# hard news, trained with and without it: the same Q-function and news
# rule; 4 settings for each threshold at least the news rule's recorded,
# validated on --rule-val-episodes sessions;
# the rule in the model (version 6) exactly when the record says it was
# kept; the same with one worker and two.
hmix=(--method rollout --scenarios news-hard,news-soft --episodes 4
	--iterations 1 --points 1 --val-episodes 2 --quiet --news-rule
	--rule-val-episodes 3)
"$T" train "${hmix[@]}" --jobs 2 --out "$tmp/hn.json" > /dev/null ||
	fail "train news-hard,news-soft --news-rule"
"$T" train "${hmix[@]}" --jobs 2 --hard-news --out "$tmp/hh2.json" > /dev/null ||
	fail "train --hard-news --jobs 2"
"$T" train "${hmix[@]}" --jobs 1 --hard-news --out "$tmp/hh1.json" > /dev/null ||
	fail "train --hard-news --jobs 1"
cmp <(jq -c '[.weights, .news_rule]' "$tmp/hn.json") \
	<(jq -c '[.weights, .news_rule]' "$tmp/hh2.json") ||
	fail "--hard-news changed the Q-function or the news rule"
strip='del(.meta.training.seconds, .meta.training.jobs, .meta.training.news_rule.seconds, .meta.training.hard_news.seconds)'
cmp <(jq -c "$strip" "$tmp/hh1.json") <(jq -c "$strip" "$tmp/hh2.json") ||
	fail "--hard-news: --jobs 1 and --jobs 2 wrote different models"
jq -e '(.news_rule.priced_sigma // 0) as $p | .meta.training.hard_news |
	(.grid | length) == 4 * ([15, 20, 30] | map(select(. >= $p)) | length) and
	all(.grid[]; (.train_cost_bps | type == "number") and (.action | type == "string") and
		.priced_sigma >= $p) and
	(.train_cost_without_bps | type == "number") and (.kept | type == "boolean") and
	.val_sessions == 3' \
	"$tmp/hh2.json" > /dev/null ||
	fail "--hard-news: record $(jq -c .meta.training.hard_news "$tmp/hh2.json")"
jq -e 'if .meta.training.hard_news.kept then .version == 6 and
	(.hard_news.action | type == "string") else .version <= 5 and .hard_news == null end' \
	"$tmp/hh2.json" > /dev/null ||
	fail "--hard-news: model $(jq -c '[.version, .hard_news, .meta.training.hard_news.kept]' "$tmp/hh2.json")"
"$T" model --json "$tmp/hh2.json" > "$tmp/hh2.info" ||
	fail "tranched model $tmp/hh2.json"
jq -e '.meta.training.news_rule.val_sessions == 3' "$tmp/hh2.json" > /dev/null ||
	fail "--rule-val-episodes 3: the news rule's record $(jq -c .meta.training.news_rule "$tmp/hh2.json")"
jq -e --slurpfile m "$tmp/hh2.json" '.hard_news == ($m[0].hard_news // null) and
	.news_rule == ($m[0].news_rule // null)' "$tmp/hh2.info" > /dev/null ||
	fail "tranched model --json does not say the rules: $(cat "$tmp/hh2.info")"

# --no-book-head: the same run with an ac-world model carried in writes the
# same book head (on a mix with ac-world in it, where a head attached
# during training would change what the book head learns), the carried
# network as "no_book", and says where it came from (the file's name
# only: the model must not depend on a directory).
"$T" train --method rollout --scenarios ac-world --episodes 2 --iterations 1 \
	--points 1 --val-episodes 1 --quiet --jobs 2 --out "$tmp/h.json" > /dev/null ||
	fail "train ac-world"
mix=(--method rollout --scenarios calm,ac-world --episodes 4 --iterations 1
	--points 1 --val-episodes 2 --quiet --jobs 2)
"$T" train "${mix[@]}" --out "$tmp/d.json" > /dev/null || fail "train calm,ac-world"
"$T" train "${mix[@]}" --out "$tmp/c.json" --no-book-head "$tmp/h.json" > /dev/null ||
	fail "train --no-book-head"
cmp <(jq -c .weights "$tmp/d.json") <(jq -c .weights "$tmp/c.json") ||
	fail "--no-book-head changed the trained head"
cmp "$tmp/d.json.csv" "$tmp/c.json.csv" ||
	fail "--no-book-head changed the training: $(paste "$tmp/d.json.csv" "$tmp/c.json.csv")"
cmp <(jq -c .weights "$tmp/h.json") <(jq -c .no_book.weights "$tmp/c.json") ||
	fail "--no-book-head: the head is not the carried model's network"
jq -e '.version == 4 and .meta.no_book_head.from == "h.json" and
	(.meta.no_book_head.training.scenarios == ["ac-world"])' "$tmp/c.json" > /dev/null ||
	fail "--no-book-head: record $(jq -c '[.version, .meta.no_book_head]' "$tmp/c.json")"
# From a model with a head of its own, that head (and its record) is
# carried, not the model's book head.
"$T" train "${args[@]}" --jobs 2 --out "$tmp/e.json" --no-book-head "$tmp/c.json" > /dev/null ||
	fail "train --no-book-head (a two-head model)"
cmp <(jq -c .weights "$tmp/h.json") <(jq -c .no_book.weights "$tmp/e.json") ||
	fail "--no-book-head of a two-head model did not carry its no-book head"
jq -e '.meta.no_book_head.training.scenarios == ["ac-world"]' "$tmp/e.json" > /dev/null ||
	fail "--no-book-head of a two-head model: record $(jq -c .meta.no_book_head "$tmp/e.json")"
# A head that is not a model (its features and network disagree) and one
# that reads the features in another order.
jq 'del(.features[0])' "$tmp/h.json" > "$tmp/h-short.json"
jq '.features |= [.[1], .[0]] + .[2:]' "$tmp/h.json" > "$tmp/h-swap.json"

bad() {
	local want=$1
	shift
	if "$T" train --scenarios calm --episodes 8 --out "$tmp/bad.json" "$@" 2> "$tmp/err"; then
		fail "$* accepted"
	fi
	grep -qF -- "$want" "$tmp/err" || fail "$*: error does not say '$want': $(cat "$tmp/err")"
	[ ! -e "$tmp/bad.json" ] && [ ! -e "$tmp/bad.json.csv" ] ||
		fail "$*: wrote a model or its curve"
}
bad '--hold 0' --method rollout --hold 0
bad '--hold 2' --method rollout --hold 2
bad '--points 0' --method rollout --points 0
bad '--iterations 0' --method rollout --iterations 0
bad '--margin -1' --method rollout --margin -1
bad '--ridge x' --method rollout --ridge x
bad '--states' --states "$tmp/es.states"
bad '--news-rule: only with --method rollout' --news-rule
bad '--hard-news: only with --method rollout' --hard-news
bad '--rule-val-episodes: only with --news-rule or --hard-news' --method rollout --rule-val-episodes 100
bad 'rule-val-episodes' --method rollout --news-rule --rule-val-episodes 0
bad '--start "ac bogus": no such action' --method rollout --start "ac bogus"
bad '--start "60": no such action' --method rollout --start 60
bad '--start "5": action 5 (lump 10% passive) has a lump' --method rollout --start 5
bad '--start: only with --method rollout' --start "ac passive"
bad "$tmp/no/such/dir/s.csv" --method rollout --states "$tmp/no/such/dir/s.csv"
bad "--no-book-head model $tmp/none.json" --method rollout --no-book-head "$tmp/none.json"
bad "--no-book-head model $tmp/h-short.json" --method rollout --no-book-head "$tmp/h-short.json"
bad "--no-book-head $tmp/h-swap.json: the no-book head must read" --method rollout \
	--no-book-head "$tmp/h-swap.json"
# Counts are whole numbers (1.5 was taken as 1; found by a review).
bad '--jobs 1.5: must be a whole number' --method rollout --jobs 1.5
bad '--iterations 1.7: must be a whole number' --method rollout --iterations 1.7
bad '--points 2.5: must be a whole number' --method rollout --points 2.5
bad '--episodes 1.5: must be a whole number' --method rollout --episodes 1.5
# An --out that cannot be written is refused before training, not after
# it (found by a review), and leaves no curve.
mkdir "$tmp/adir"
start=$(date +%s%N)
if "$T" train --method rollout --scenarios calm --episodes 8 --out "$tmp/adir" 2> "$tmp/err"; then
	fail "--out a directory accepted"
fi
grep -qF -- "--out $tmp/adir: not a regular file" "$tmp/err" || fail "--out dir: $(cat "$tmp/err")"
[ ! -e "$tmp/adir.csv" ] || fail "--out dir: wrote a curve"
if "$T" train --method rollout --scenarios calm --episodes 8 --out "$tmp/no/such/m.json" 2> "$tmp/err"; then
	fail "--out in no directory accepted"
fi
grep -qF -- "--out $tmp/no/such/m.json: No such file or directory" "$tmp/err" ||
	fail "--out no dir: $(cat "$tmp/err")"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ] ||
	fail "--out refused only after training"
if "$T" train --method rollout --scenarios program --episodes 2 --out "$tmp/bad.json" 2> "$tmp/err"; then
	fail "rollout on a session of several blocks accepted"
fi
grep -q 'scenario "program" has [0-9]* blocks' "$tmp/err" || fail "program: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.json" ] || fail "program: wrote a model"
echo "ok: rollout training is the same with 1 and 2 workers; a no-book head is carried as it is; bad options refused"
