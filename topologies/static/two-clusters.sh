#!/usr/bin/env bash
# Two clusters on one machine from static configs: frontend's sidecar in us-east calls reviews in
# us-west through us-west's east-west gateway, mTLS end to end with each cluster's own CA.
# Usage: topologies/static/two-clusters.sh   (prints the answer, then stops everything)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
fm="$root/bin/fedmesh"
here="$root/topologies/static"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# 1. A CA per cluster, an SVID per workload.
"$fm" ca init --trust-domain us-east.fedmesh.local --out "$work/us-east-ca" >/dev/null
"$fm" ca init --trust-domain us-west.fedmesh.local --out "$work/us-west-ca" >/dev/null
"$fm" ca issue --ca "$work/us-east-ca" --spiffe-id spiffe://us-east.fedmesh.local/ns/default/sa/frontend --out "$work/frontend" >/dev/null
"$fm" ca issue --ca "$work/us-west-ca" --spiffe-id spiffe://us-west.fedmesh.local/ns/default/sa/reviews --out "$work/reviews" >/dev/null

# 2. us-west: the reviews app, its sidecar, the gateway.
"$fm" demo-app --name us-west/us-west-1a/reviews-w1 --listen 127.0.0.1:19081 > "$work/app.log" 2>&1 & pids+=($!)
"$fm" sidecar --config "$here/us-west.yaml" --svid "$work/reviews" \
  --trust-bundle "us-east.fedmesh.local=$work/us-east-ca/bundle.json" \
  --app-port 19081 --inbound 127.0.0.1:16006 --outbound 127.0.0.1:16001 --admin 127.0.0.1:16000 > "$work/west-sidecar.log" 2>&1 & pids+=($!)
"$fm" gateway --config "$here/us-west.yaml" --listen 127.0.0.1:16443 --admin 127.0.0.1:16021 > "$work/gateway.log" 2>&1 & pids+=($!)

# 3. us-east: frontend's sidecar (its app is not needed to make calls through it).
"$fm" sidecar --config "$here/us-east.yaml" --svid "$work/frontend" \
  --trust-bundle "us-west.fedmesh.local=$work/us-west-ca/bundle.json" \
  --app-port 19080 --inbound 127.0.0.1:15006 --outbound 127.0.0.1:15001 --admin 127.0.0.1:15000 > "$work/east-sidecar.log" 2>&1 & pids+=($!)

# 4. Wait for everything, then call reviews from us-east as frontend's app would.
for _ in $(seq 1 120); do
  if curl -fsS http://127.0.0.1:16021/ready >/dev/null 2>&1 \
     && grep -q "sidecar up" "$work/west-sidecar.log" && grep -q "sidecar up" "$work/east-sidecar.log"; then
    break
  fi
  sleep 0.5
done
cat "$work/west-sidecar.log" "$work/gateway.log" "$work/east-sidecar.log"
# The first calls through cold JVMs can miss (handshakes and JIT on a busy machine): try a few
# times, bounded, and show the last answer if none succeeded.
echo "\$ curl -H 'Host: reviews.default.svc.clusterset.local' http://127.0.0.1:15001/reviews/1"
ok=""
for _ in $(seq 1 20); do
  if curl -fsS -H 'Host: reviews.default.svc.clusterset.local' http://127.0.0.1:15001/reviews/1 > "$work/answer" 2>/dev/null; then
    ok=1
    break
  fi
  sleep 0.5
done
if [ -z "$ok" ]; then
  curl -sS -H 'Host: reviews.default.svc.clusterset.local' http://127.0.0.1:15001/reviews/1 >&2 || true
  echo "two-clusters: no answer from reviews through the mesh after 20 tries" >&2
  exit 1
fi
cat "$work/answer"
echo "\$ curl http://127.0.0.1:15000/clusters   # frontend sidecar's view of reviews"
curl -fsS http://127.0.0.1:15000/clusters; echo
