#!/usr/bin/env bash
# Installs every Debian package sluice needs. Idempotent: when all are present
# it only runs dpkg-query and exits.
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkg-config clang llvm lld
  libclang-rt-14-dev
  dpdk dpdk-dev libdpdk-dev
  libbpf-dev libxdp-dev xdp-tools
  libxxhash-dev libcmocka-dev libsodium-dev libssl-dev libinih-dev libpcap-dev
  libelf-dev zlib1g-dev libmnl-dev libmicrohttpd-dev
  iproute2 ethtool tcpdump python3 python3-scapy python3-matplotlib
  curl prometheus
  libjansson-dev tmux strace
)
# Node.js may come from outside Debian (as on the dev machines); only ask apt
# for it when no node/npm is on PATH.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: missing packages: ${missing[*]}; run as root (or install them)" >&2
  exit 1
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
