#!/usr/bin/env bash
#  Installs what licrepo needs to build and test, from Debian's packages,
#  only if something is missing.  Safe to run again.
set -euo pipefail
pkgs=(gcc libc6-dev pkg-config meson ninja-build python3
      libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler
      librocksdb-dev libsodium-dev libssl-dev libjansson-dev libmicrohttpd-dev
      valgrind iproute2 procps prometheus
      golang-go golang-golang-x-mod-dev    # Go: tests/interop (interop_go)
      chromium)   # headless browser: tests/test_e2e_dashboard.c loads the dashboard
#  clang and libFuzzer's runtime (libclang_rt.fuzzer, only Recommended by
#  libclang-common-14-dev) for tests/fuzz: wanted, not required; without
#  them tests/run.sh says its fuzz step is skipped
fuzz_pkgs=(clang libclang-rt-14-dev)
if [ "${1:-}" = "--list" ]; then
    echo "${pkgs[@]} ${fuzz_pkgs[@]}"
    exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
fuzz_missing=()
for p in "${fuzz_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fuzz_missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ ${#fuzz_missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || [ ${#missing[@]} -eq 0 ]
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#fuzz_missing[@]} -gt 0 ]; then
    echo "installing: ${fuzz_missing[*]} (tests/fuzz)" >&2
    $sudo apt-get install -y -qq --no-install-recommends "${fuzz_missing[@]}" >/dev/null \
        || echo "could not install ${fuzz_missing[*]}: tests/run.sh will skip its fuzz step" >&2
fi
