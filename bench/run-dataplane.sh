#!/usr/bin/env bash
# Data-plane figures in one run: direct vs fedmesh same-cluster vs fedmesh cross-cluster (through
# the east-west gateway) vs an nginx chain vs an HAProxy chain doing the same mTLS hops, all on
# 127.0.0.1 with the same app, payloads and certificate types (ECDSA P-256, TLS 1.3).
#
# Usage: [JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64] bench/run-dataplane.sh \
#          [--smoke] [--rates 1000,5000] [--repeats 5] [--duration 10s] [--connections 16] [--no-pin]
#          [--paths direct,fedmesh-same,fedmesh-cross,nginx,haproxy] [--protocols h1,h2,grpc,newconn]
#          [--upgrade-http1] [--fresh-rss 10s]
#
#   --smoke        every path and protocol for about a second at 200 rps, one repeat, no start-up
#                  phase (CI)
#   --rates        fixed request rates of the open-loop runs (default 1000,5000); h2, grpc and
#                  newconn use the first only
#   --repeats      repeats of the whole set; the report shows medians (default 5)
#   --duration     length of each h1 run (default 10s); h2, grpc and newconn runs last half of it
#   --connections  requests in flight at most: h1 keep-alive connections, h2/grpc streams over two
#                  connections, newconn connections open at once (default 16)
#   --no-pin       do not pin with taskset (default: generator and app on CPU 1, proxies on CPU 0)
#   --paths        only these paths (default: all five); e.g. --paths fedmesh-cross for profiling
#   --protocols    only these loads (default: all four): h1 = HTTP/1.1 keep-alive, both bodies;
#                  h2 = HTTP/2 h2c; grpc = gRPC unary; newconn = HTTP/1.1, a new connection per
#                  request (the last three with the 64 B body)
#   --upgrade-http1
#                  fedmesh (sidecar --upgrade-http1) and the HAProxy chain (alpn h2) carry HTTP/1.1
#                  between their proxies as HTTP/2 (default: HTTP/1.1 on kept-alive connections;
#                  nginx always)
#   --fresh-rss    before any other load, each path serves HTTP/1.1 64 B at the first rate for this
#                  long while its proxies' RSS is sampled ("RSS at 1000/s, fresh"; default 10s, 0s:
#                  none; the smoke run has none)
#
# Writes bench/results/dataplane-java<N>.md (or $FEDMESH_BENCH_RESULTS/...). Installs nginx-light,
# libnginx-mod-stream and haproxy with apt-get when they are missing and this runs as root;
# otherwise those chains are skipped with a line saying so. Every process it starts is stopped on
# exit, also on Ctrl-C or when the run passes its time bound.
# Environment: FEDMESH_BENCH_PROXY_JVM_FLAGS replaces the sidecar/gateway JVM flags (default: those
# bin/fedmesh gives them, from bin/proxy-jvm.options).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
cd "$root"

for a in "$@"; do
  if [[ "$a" == "--help" || "$a" == "-h" ]]; then
    sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
  fi
done

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"

# 1. nginx and HAProxy from Debian, when missing.
missing=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
[[ -f /usr/lib/nginx/modules/ngx_stream_module.so ]] || missing+=(libnginx-mod-stream)
command -v haproxy >/dev/null 2>&1 || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "dataplane: installing ${missing[*]} (apt-get)" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends "${missing[@]}"; } >&2; then
      echo "dataplane: could not install ${missing[*]}; the chains that need them are skipped" >&2
    fi
  else
    echo "dataplane: ${missing[*]} missing and not root (or no apt-get): those chains are skipped" >&2
  fi
fi
export PATH="$PATH:/usr/sbin:/sbin"

# 2. Build the CLI (sidecar, gateway) and the bench module.
SECONDS=0
mvn -B -q -DskipTests -pl cli,bench -am package >&2
echo "dataplane: built in ${SECONDS} s" >&2
touch cli/target/fedmesh.jar  # up to date now: bin/fedmesh need not rebuild it

work="$(mktemp -d "${TMPDIR:-/tmp}/fedmesh-dataplane.XXXXXX")"
driver=""
stop_started() {
  # The driver first: its shutdown hook stops what it started (SIGTERM, then SIGKILL after 5 s).
  if [[ -n "$driver" ]] && kill -0 "$driver" 2>/dev/null; then
    kill -TERM "$driver" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$driver" 2>/dev/null || break; sleep 0.2; done
  fi
  # Then processes the Java driver started and has not stopped (it keeps work/pids current), and their
  # children (nginx workers); only pids whose command line names this run's work directory.
  if [[ -f "$work/pids" ]]; then
    while read -r pid; do
      [[ -n "$pid" ]] || continue
      if grep -qs "$work" "/proc/$pid/cmdline"; then
        pkill -TERM -P "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
      fi
    done < "$work/pids"
  fi
  rm -rf "$work"
}
trap stop_started EXIT
trap 'exit 130' INT TERM

# 3. Certificates with the fedmesh CLI: a CA per cluster, an SVID per workload.
certs="$work/certs"
fm="$root/bin/fedmesh"
export FEDMESH_JAVA_OPTS="${FEDMESH_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"  # short CLI runs
"$fm" ca init --trust-domain east.bench.fedmesh.local --out "$certs/east-ca" >/dev/null & ca1=$!
"$fm" ca init --trust-domain west.bench.fedmesh.local --out "$certs/west-ca" >/dev/null & ca2=$!
wait "$ca1"; wait "$ca2"
issue() {  # issue CA NAME WORKLOAD
  "$fm" ca issue --ca "$certs/$1" --spiffe-id "spiffe://${1%-ca}.bench.fedmesh.local/ns/default/sa/$3" \
    --out "$certs/$2" >/dev/null
}
issue east-ca client-east client & i1=$!
issue west-ca client-west client & i2=$!
issue west-ca app-west app & i3=$!
wait "$i1"; wait "$i2"; wait "$i3"
# nginx and HAProxy check the server certificate's name against the SNI (neither can turn that off
# while verifying the chain), so their inbound certificate is the same SPIFFE ID from the same west
# CA, P-256, with the SNI as a DNS SAN besides.
sni=app.default.8080.west.fedmesh
mkdir -p "$certs/app-west-dns"
openssl ecparam -name prime256v1 -genkey -noout \
  | openssl pkcs8 -topk8 -nocrypt -out "$certs/app-west-dns/svid.key"
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth,clientAuth" \
  "subjectAltName=critical,URI:spiffe://west.bench.fedmesh.local/ns/default/sa/app,DNS:$sni" \
  "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" > "$certs/app-west-dns/ext.cnf"
openssl req -new -key "$certs/app-west-dns/svid.key" -subj "/" -out "$certs/app-west-dns/svid.csr" 2>/dev/null
openssl x509 -req -in "$certs/app-west-dns/svid.csr" -CA "$certs/west-ca/ca.crt" -CAkey "$certs/west-ca/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -days 1 -sha256 -extfile "$certs/app-west-dns/ext.cnf" \
  -out "$certs/app-west-dns/svid.crt" 2>/dev/null
for d in client-east app-west-dns; do  # HAProxy wants certificate and key in one file
  cat "$certs/$d/svid.crt" "$certs/$d/svid.key" > "$certs/$d/svid.pem"
done
cat "$certs/east-ca/ca.crt" "$certs/west-ca/ca.crt" > "$certs/trust-domains.pem"
echo "dataplane: certificates made in ${SECONDS} s (cumulative)" >&2

# 4. Sidecar and gateway JVM flags: the driver starts them through bin/fedmesh, which adds those of
# bin/proxy-jvm.options and a CDS archive (in the work directory, written by the first, uncounted
# start); FEDMESH_BENCH_PROXY_JVM_FLAGS replaces them.
unset FEDMESH_JAVA_OPTS # set above for the short CLI runs; the proxies must not inherit it
proxy_flags=()
if [[ -n "${FEDMESH_BENCH_PROXY_JVM_FLAGS:-}" ]]; then
  proxy_flags=(--proxy-jvm-flags "$FEDMESH_BENCH_PROXY_JVM_FLAGS")
fi

# 5. The driver (load generator) on CPU 1; it pins the app to CPU 1 and the proxies to CPU 0.
pin=(); ncpu="$(nproc)"
if [[ "$ncpu" -ge 2 ]] && command -v taskset >/dev/null 2>&1 && [[ ! " $* " == *" --no-pin "* ]]; then
  pin=(taskset -c 1)
else
  set -- "$@" --no-pin
  echo "dataplane: not pinning (needs taskset and 2 or more CPUs; this machine has $ncpu)" >&2
fi
results="${FEDMESH_BENCH_RESULTS:-$root/bench/results}"
# In the background and waited for, so that a signal to this script (Ctrl-C, timeout) runs the
# trap at once instead of after the driver ends.
"${pin[@]}" "$java" -Xmx512m -XX:+UseParallelGC -Dvertx.cacheDirBase="$work/vertx-cache" \
  -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.fedmesh.bench.DataplaneBench --work "$work" --certs "$certs" --cli-jar "$root/cli/target/fedmesh.jar" \
  --results "$results" "${proxy_flags[@]}" "$@" &
driver=$!
status=0
wait "$driver" || status=$?
driver=""
exit "$status"
