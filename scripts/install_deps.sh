#!/usr/bin/env bash
# Installs every Debian package fln needs to build, test and run. Idempotent:
# packages already present are skipped, so a second run costs one dpkg query.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-platforms
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libeigen3-dev libabsl-dev libgtest-dev libgmock-dev
  libsqlite3-dev zlib1g-dev libssl-dev openssl
  libopenblas0-openmp
  dataset-fashion-mnist
  python3
  python3-grpcio python3-protobuf python3-numpy
  libcpp-httplib-dev chromium chromium-driver python3-selenium
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
