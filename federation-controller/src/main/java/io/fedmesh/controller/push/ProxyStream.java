package io.fedmesh.controller.push;

import io.fedmesh.api.v1.DiscoveryRequest;
import io.fedmesh.api.v1.DiscoveryResponse;
import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.api.v1.Resource;
import io.fedmesh.api.v1.ResourceKey;
import io.fedmesh.controller.catalog.ProxyEntry;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * One proxy's stream on this replica. Lives on the stream's event loop: {@link #offer} may be
 * called from elsewhere and hops onto it. Keeps what was last sent per resource (NACKed ones
 * included, so they are not re-sent) and sends only what differs from the newest view; while the
 * write queue is full it waits for drain and then sends the newest view once.
 */
final class ProxyStream {
  private final ProxyPush push;
  private final GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> request;
  private final GrpcServerResponse<DiscoveryRequest, DiscoveryResponse> response;
  private final io.vertx.core.Context context;
  private final Node node;
  private final Map<String, Resource> sent = new HashMap<>();
  private final Map<Long, Long> sentAtNanos = new HashMap<>();
  private View latest;
  private long changeNanos;
  private long version;
  private boolean fullSent;
  private boolean closed;
  private String ackedVersion = "";
  private String nackedVersion = "";
  private String nackDetail = "";

  ProxyStream(
      ProxyPush push,
      GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> request,
      io.vertx.core.Context context,
      Node node,
      long heldVersion) {
    this.push = push;
    this.request = request;
    this.response = request.response();
    this.context = context;
    this.node = node;
    this.version = heldVersion;
  }

  Node node() {
    return node;
  }

  boolean isGateway() {
    return node.getKind() == ProxyKind.PROXY_KIND_GATEWAY;
  }

  /** A new view, and when the catalog change that led to it was first seen. */
  void offer(View view, long changeSeenNanos) {
    context.runOnContext(
        v -> {
          if (latest == null || view.generation() > latest.generation()) {
            latest = view;
            if (changeNanos == 0) {
              changeNanos = changeSeenNanos;
            }
          }
          trySend();
        });
  }

  private void trySend() {
    if (closed || latest == null) {
      return;
    }
    if (response.writeQueueFull()) {
      response.drainHandler(v -> trySend());
      return;
    }
    Map<String, Resource> target = isGateway() ? latest.gateway() : latest.sidecar();
    DiscoveryResponse.Builder out = DiscoveryResponse.newBuilder().setFull(!fullSent);
    for (Map.Entry<String, Resource> e : target.entrySet()) {
      Resource held = sent.get(e.getKey());
      if (!fullSent || held != e.getValue()) {
        out.addResources(e.getValue());
      }
    }
    if (fullSent) {
      for (Map.Entry<String, Resource> e : sent.entrySet()) {
        if (!target.containsKey(e.getKey())) {
          out.addRemoved(e.getValue().getKey());
        }
      }
    }
    long seen = changeNanos;
    changeNanos = 0;
    if (fullSent && out.getResourcesCount() == 0 && out.getRemovedCount() == 0) {
      return;
    }
    version++;
    String v = Long.toString(version);
    DiscoveryResponse r = out.setVersion(v).setNonce(v).build();
    sent.clear();
    sent.putAll(target);
    fullSent = true;
    long now = System.nanoTime();
    sentAtNanos.put(version, now);
    push.sent(r, seen == 0 ? 0 : now - seen);
    response.write(r);
  }

  /** An ACK or NACK from the proxy. */
  void onRequest(DiscoveryRequest req) {
    String v = req.getVersion();
    Long at = null;
    try {
      long n = Long.parseLong(v);
      at = sentAtNanos.remove(n);
      sentAtNanos.keySet().removeIf(k -> k < n);
    } catch (NumberFormatException e) {
      // an ACK of no version of ours: recorded as sent
    }
    if (req.getErrorDetail().isEmpty()) {
      ackedVersion = v;
      push.acked(at == null ? -1 : System.nanoTime() - at);
    } else {
      nackedVersion = v;
      nackDetail = truncate(req.getErrorDetail());
      push.nacked(this, v, nackDetail);
    }
    push.record(entry(push.replicaId()));
  }

  ProxyEntry entry(String replica) {
    return new ProxyEntry(
        node.getProxyId(),
        isGateway() ? "gateway" : "sidecar",
        node.getNamespace(),
        node.getWorkload(),
        node.getRegion(),
        node.getZone(),
        replica,
        ackedVersion,
        nackedVersion,
        nackDetail,
        push.clockMillis());
  }

  void close() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> request() {
    return request;
  }

  static String truncate(String s) {
    return s.length() <= 2048 ? s : s.substring(0, 2048) + "...";
  }

  static ResourceKey key(Resource r) {
    return r.getKey();
  }
}
