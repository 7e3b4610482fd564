#!/usr/bin/env bash
# Identity figures: SVID signing rate (JMH) and mTLS handshakes/s BoringSSL vs JDK, in one run.
# Usage: [JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64] bench/run-identity.sh [--smoke]
# The build runs on the default JDK; the benchmark runs on JAVA_HOME's java when it is set.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests -pl bench -am package >&2
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -Xmx1g -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.fedmesh.bench.IdentityBench "$@"
