#!/bin/bash
# Runs every benchmark built in BUILD/tests/bench in its full mode (not ctest's quick one),
# one after the other, then prints the figures of all of them as one table.
#
#   tests/bench/run-all.sh [BUILD]          (BUILD defaults to ./build)
#
# Each benchmark's whole output goes to BUILD/bench-logs/NAME.log. Extra arguments for one
# benchmark: BENCH_ARGS_<name>, e.g. BENCH_ARGS_bench_cli_scale="--topics 100000".
#
# bench_window_steady runs 10 minutes of the simulator plus a 5,000 msg/s flood (issue 12's flat
# memory): BENCH_ARGS_bench_window_steady="--minutes 3" shortens it.
set -u -o pipefail
build=${1:-build}
bench_dir="$build/tests/bench"
if [ ! -d "$bench_dir" ]; then
    echo "no $bench_dir: build first (cmake --build $build)" >&2
    exit 2
fi
build=$(cd "$build" && pwd)
logs="$build/bench-logs"
mkdir -p "$logs"
unset THINGSCAPE_BENCH_QUICK
export THINGSCAPE_BINARY_DIR="$build"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
status=0
ran=""
for bench in "$build"/tests/bench/bench_*; do
    [ -f "$bench" ] && [ -x "$bench" ] || continue
    name=$(basename "$bench")
    eval "extra=\${BENCH_ARGS_$name:-}"
    echo "=== $name $extra"
    # shellcheck disable=SC2086
    if ! "$bench" $extra 2>&1 | tee "$logs/$name.log"; then
        status=1
    fi
    ran="$ran $name"
done
echo
echo "================ all benchmarks ================"
for name in $ran; do
    echo "--- $name"
    # The figures: medians, ratios, targets and verdicts (each benchmark prints its own).
    grep -E 'median|ratio|target|PASS|FAIL|p99|figure' "$logs/$name.log" || tail -n 5 "$logs/$name.log"
done
exit $status
