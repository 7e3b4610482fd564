#!/usr/bin/env bash
# Identity figures: SVID signing rate (JMH) and mTLS handshakes/s BoringSSL vs JDK, in one run.
# Usage: bench/run-identity.sh [--smoke]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests -pl bench -am package >&2
exec java -Xmx1g -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.fedmesh.bench.IdentityBench "$@"
