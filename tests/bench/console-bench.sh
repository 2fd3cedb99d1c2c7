#!/bin/bash
# tests/bench/console-bench.sh [BUILD_DIR] -- the console's cost while an
# engine publishes 10,000 events a second: CPU time (% of one core),
# frames a second, bytes a second to the terminal and peak RSS of the real
# `tranche --connect URL --frames N` on a 120x40 pseudo-terminal, against
# the stand-in engine of tests/bench/bench-console.c.  Three runs and their
# medians; the targets (the CONSOLE issue) are at most 30 frames/s, at most
# 5% of one core and under 32 MB resident.
#
#   CONSOLE_BENCH_RATE (10000)  CONSOLE_BENCH_FRAMES (250, 10 s at 25/s)
#   CONSOLE_BENCH_PASS_MS (1: a message a millisecond; the engine's is 10)
#   CONSOLE_BENCH_RUNS (3)
#   CONSOLE_BENCH_JSON=1        one JSON line a run instead of text
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
bench=$build/tests/bench-console
tranche=$build/tui/tranche
for f in "$bench" "$tranche"; do
	[ -x "$f" ] || { echo "console-bench: $f not built (cmake --build $build)" >&2; exit 1; }
done
args=(--tranche "$tranche" --rate "${CONSOLE_BENCH_RATE:-10000}"
      --frames "${CONSOLE_BENCH_FRAMES:-250}" --runs "${CONSOLE_BENCH_RUNS:-3}"
      --pass-ms "${CONSOLE_BENCH_PASS_MS:-1}")
[ "${CONSOLE_BENCH_JSON:-0}" = 1 ] && args+=(--json)
echo "console-bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "console-bench: targets: <= 30 frames/s, <= 5% of one core, RSS < 32 MB"
"$bench" "${args[@]}"
