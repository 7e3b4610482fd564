#!/usr/bin/env bash
# Push convergence: time from an endpoint change in the catalog until every simulated proxy
# (a real gRPC stream over mTLS) has received and ACKed it; 10,000 endpoints, 100 proxies.
# Usage: bench/run-convergence.sh [--smoke] [--proxies N] [--endpoints N] [--changes N]
# Writes bench/results/convergence.md (convergence-smoke.md with --smoke; FEDMESH_BENCH_RESULTS moves it).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests -pl bench -am package >&2
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -Xmx1g \
  --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.fedmesh.bench.ConvergenceBench "$@"
