#!/usr/bin/env bash
#  The whole test suite, from a fresh Debian machine:
#    1. installs what is missing (deploy/install-deps.sh),
#    2. builds with -Wall -Wextra and runs every test (unit + integration
#       with real licnode processes),
#    3. builds with AddressSanitizer + UBSan and runs every test again,
#    4. runs the unit tests under valgrind (leaks are errors),
#    5. where clang is installed, builds the libFuzzer harnesses of
#       tests/fuzz and runs each for FUZZ_SECONDS (default 60) seconds.
#  Ends with the line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/deploy/install-deps.sh" || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }

out=${LICREPO_BUILD_ROOT:-$top/build-test}
passed=0
failed=0

count () {     # count DIR [LOG] RC -- adds meson's results of the last run in DIR
    local log="$1/meson-logs/${2:-testlog}.json" rc="${3:-0}"
    [ -f "$log" ] || { failed=$((failed + 1)); return; }
    read -r p f < <(python3 - "$log" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r != "SKIP":
        f += 1
print(p, f)
PY
)
    #  A run that failed must count as failed even if its log says nothing.
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p))
    failed=$((failed + f))
}

build () {     # build DIR [meson options...]
    local dir="$1"; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >/dev/null || return 1
    fi
    ninja -C "$dir" 2>&1 | tee "$dir.build.log" | grep -E "warning|error" && {
        echo "build in $dir has warnings or errors (see $dir.build.log)"; return 1; }
    [ "${PIPESTATUS[0]}" -eq 0 ]
}

echo "== build (-Wall -Wextra) and all tests"
if build "$out/plain"; then
    meson test -C "$out/plain" --print-errorlogs --num-processes 1
    count "$out/plain" testlog $?
else
    failed=$((failed + 1))
fi

echo "== AddressSanitizer + UndefinedBehaviorSanitizer, all tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build "$out/asan" -Db_sanitize=address,undefined -Db_lundef=false; then
    meson test -C "$out/asan" --print-errorlogs --num-processes 1 --timeout-multiplier 3
    count "$out/asan" testlog $?
else
    failed=$((failed + 1))
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

echo "== valgrind (memcheck, leaks are errors), unit tests"
#  memcheck runs code 20-50 times slower: the unit tests' time limits
#  (30 s unless set) are stretched to match.
meson test -C "$out/plain" --suite unit --print-errorlogs --num-processes 1 \
    --timeout-multiplier 8 --wrapper 'valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet'
count "$out/plain" testlog-valgrind $?

echo "== libFuzzer harnesses (clang), ${FUZZ_SECONDS:-60} s each (tests/fuzz/fuzz.sh)"
#  Each harness that runs its time without a finding is one passed test,
#  each other one failed; where clang or libFuzzer's runtime is missing
#  the step says so and counts nothing.
mkdir -p "$out"
"$top/tests/fuzz/fuzz.sh" -b "$out/fuzz" -t "${FUZZ_SECONDS:-60}" 2>&1 | tee "$out/fuzz.log"
fuzz_rc=${PIPESTATUS[0]}
if [ "$fuzz_rc" -eq 77 ]; then
    echo "fuzz step skipped: nothing counted"
elif read -r p f < <(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out/fuzz.log" | tail -1) \
     && [ -n "$p" ]; then
    [ "$fuzz_rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p))
    failed=$((failed + f))
else
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
