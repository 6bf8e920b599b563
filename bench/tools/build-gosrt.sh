#!/bin/sh
# Builds gosrt's contrib/server, the comparison in the bench's relay scenario (bench/relay.ts),
# from a gosrt source tree. gosrt v0.9.0 asks for go 1.20 in go.mod and vendors its dependencies:
# Debian bookworm's Go 1.19 (apt-get install golang-go) builds it offline.
#   bench/tools/build-gosrt.sh GOSRT_SOURCE_DIR [OUT]      (OUT: dist/gosrt-server)
set -eu
src=${1:?usage: bench/tools/build-gosrt.sh GOSRT_SOURCE_DIR [OUT]}
out=$(realpath -m "${2:-dist/gosrt-server}")
mkdir -p "$(dirname "$out")"
cd "$src"
GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local go build -o "$out" ./contrib/server
echo "built $out"
