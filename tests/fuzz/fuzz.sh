#!/usr/bin/env bash
#  Builds the libFuzzer harnesses of tests/fuzz (clang, -Dfuzz=true,
#  AddressSanitizer + UndefinedBehaviorSanitizer, every library
#  instrumented with -fsanitize=fuzzer-no-link) and runs each for a while.
#
#    tests/fuzz/fuzz.sh [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [HARNESS...]
#
#  SECONDS per harness: default $FUZZ_SECONDS, else 60.  JOBS harnesses run
#  at once (default 2).  BUILD_DIR default build-fuzz at the top.  HARNESS:
#  request repl entry event_json type_json checkpoint proof copy config
#  keyfile (default: all).
#
#  Each harness starts from its seeds (tests/fuzz/corpus/<harness>, read
#  only) and from what earlier runs found (BUILD_DIR/fuzz-corpus/<harness>,
#  where new inputs go).  A finding is written to
#  BUILD_DIR/fuzz-artifacts/<harness>-crash-<sha1> (or -leak-, -timeout-,
#  -oom-); reproduce it with BUILD_DIR/tests/fuzz/fuzz_<harness> FILE, and
#  once fixed add it to tests/fuzz/corpus/<harness>/ as a regression.
#
#  Prints one line per harness (verdict, executions, executions per second,
#  coverage) and ends with "fuzz: N passed, N failed"; exits 0 if every
#  harness ran its time without a finding, 1 otherwise, and 77 (printing
#  "fuzz: skipped: ...") where clang with libFuzzer is not installed
#  (deploy/install-deps.sh installs clang and libclang-rt-14-dev).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
jobs=2
build=$top/build-fuzz
all=(request repl entry event_json type_json checkpoint proof copy config keyfile)
while getopts "t:j:b:" opt; do
    case $opt in
        t) seconds=$OPTARG ;;
        j) jobs=$OPTARG ;;
        b) build=$OPTARG ;;
        *) sed -n '2,25p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
    [ -d "$top/tests/fuzz/corpus/$h" ] || { echo "fuzz: no harness '$h' (${all[*]})" >&2; exit 2; }
done
case $seconds in ''|*[!0-9]*) echo "fuzz: SECONDS must be a number" >&2; exit 2 ;; esac

#  clang, and libFuzzer's runtime (libclang-rt-*-dev on Debian)
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n) { return 0; }\n' \
    > "$probe/probe.c"
if ! command -v clang >/dev/null; then
    echo "fuzz: skipped: clang is not installed (deploy/install-deps.sh installs clang and libclang-rt-14-dev)"
    exit 77
fi
if ! clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2> "$probe/err"; then
    echo "fuzz: skipped: clang cannot link libFuzzer (-fsanitize=fuzzer): $(head -1 "$probe/err");" \
         "install libclang-rt-14-dev (deploy/install-deps.sh does)"
    exit 77
fi

#  The build: its own folder, never the plain or ASan ones
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Ddefault_library=static \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link > "$build.setup.log" 2>&1 || {
        echo "fuzz: meson setup failed (see $build.setup.log)"
        echo "fuzz: 0 passed, ${#harnesses[@]} failed"
        exit 1
    }
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("tests/fuzz/fuzz_$h"); done
if ! ninja -C "$build" "${targets[@]}" > "$build.build.log" 2>&1; then
    grep -E "error" "$build.build.log" | head -20
    echo "fuzz: build failed (see $build.build.log)"
    echo "fuzz: 0 passed, ${#harnesses[@]} failed"
    exit 1
fi
if grep -E "tests/fuzz/.*warning" "$build.build.log"; then
    echo "fuzz: the harnesses compile with warnings (see $build.build.log)"
    echo "fuzz: 0 passed, ${#harnesses[@]} failed"
    exit 1
fi

#  The runs, JOBS at a time.  The mutation seed is fixed (FUZZ_SEED, default
#  1) so that a CI run repeats the last one's exploration on a machine of
#  the same speed; FUZZ_SEED=0 lets libFuzzer pick one (longer campaigns).
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts" "$build/fuzz-logs"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
run_one () {        # run_one HARNESS: writes fuzz-logs/HARNESS.{log,rc}
    local h=$1
    mkdir -p "$build/fuzz-corpus/$h"
    rm -f "$build/fuzz-artifacts/$h"-*
    "$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
        -seed="${FUZZ_SEED:-1}" \
        -print_final_stats=1 -close_fd_mask=1 -artifact_prefix="$build/fuzz-artifacts/$h-" \
        "$build/fuzz-corpus/$h" "$top/tests/fuzz/corpus/$h" > "$build/fuzz-logs/$h.log" 2>&1
    echo $? > "$build/fuzz-logs/$h.rc"
}
echo "fuzz: ${#harnesses[@]} harnesses, $seconds s each, $jobs at a time (build $build)"
running=0
for h in "${harnesses[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    run_one "$h" &
    running=$((running + 1))
done
wait

passed=0
failed=0
for h in "${harnesses[@]}"; do
    log=$build/fuzz-logs/$h.log
    rc=$(cat "$build/fuzz-logs/$h.rc" 2>/dev/null || echo 1)
    execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log")
    speed=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    finding=$(ls "$build/fuzz-artifacts/$h"-* 2>/dev/null | head -1)
    if [ "$rc" -eq 0 ] && [ -z "$finding" ]; then
        verdict=ok
        passed=$((passed + 1))
    else
        verdict=FAILED
        failed=$((failed + 1))
    fi
    printf 'fuzz_%-11s %-6s %10s executions %6s/s  coverage %s\n' "$h" "$verdict" \
        "${execs:-?}" "${speed:-?}" "${cov:-?}"
    if [ "$verdict" = FAILED ]; then
        grep -E "ERROR|property does not hold|runtime error|SUMMARY" "$log" | head -5 | sed 's/^/    /'
        echo "    log: $log${finding:+; input: $finding}"
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
