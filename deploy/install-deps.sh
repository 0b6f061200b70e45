#!/usr/bin/env bash
#  Installs what licrepo needs to build and test, from Debian's packages,
#  only if something is missing.  Safe to run again.
set -euo pipefail
pkgs=(gcc libc6-dev pkg-config meson ninja-build python3
      libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler
      librocksdb-dev libsodium-dev libjansson-dev libmicrohttpd-dev
      valgrind iproute2 procps prometheus
      golang-go golang-golang-x-mod-dev)   # Go: tests/interop (interop_go)
if [ "${1:-}" = "--list" ]; then
    echo "${pkgs[@]}"
    exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
