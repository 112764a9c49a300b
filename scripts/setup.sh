#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking Peregrine needs.
# Idempotent; run as root on Debian bookworm.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang llvm lld libclang-rt-14-dev
  antlr4 libantlr4-runtime-dev
  libyaml-cpp-dev
  libxxhash-dev libre2-dev
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  valgrind
  sysdig
  libfalcosecurity0-dev
  libtbb-dev libjsoncpp-dev libcurl4-openssl-dev libc-ares-dev libb64-dev libjq-dev
  python3 iproute2 procps netcat-openbsd time linux-perf bc
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
