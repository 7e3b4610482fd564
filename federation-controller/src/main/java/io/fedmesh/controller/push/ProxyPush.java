package io.fedmesh.controller.push;

import com.google.protobuf.Descriptors;
import io.fedmesh.api.v1.DiscoveryRequest;
import io.fedmesh.api.v1.DiscoveryResponse;
import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyDiscoveryGrpcService;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.ControllerExtension;
import io.fedmesh.controller.ca.CaService;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.ProxyEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.SvidVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push of proxy configuration ({@code fedmesh.v1.ProxyDiscovery/Stream}) on the mTLS listener.
 *
 * <p>Per stream: the first request's {@link Node} is checked against the caller's verified SVID (a
 * sidecar's SVID must name the node's namespace and workload as {@code ns/<namespace>/sa/
 * <workload>}; a gateway's must be {@code ns/fedmesh-system/sa/east-west-gateway}; both in this
 * cluster's trust domain, and the node's cluster must be this one), else the stream ends with
 * {@code PERMISSION_DENIED} (or {@code INVALID_ARGUMENT} for a malformed node) and a message saying
 * what did not match. Then a full snapshot, then deltas: catalog changes (from any replica) are
 * collected for {@code debounce} after the first of a burst, applied to this replica's {@link
 * CatalogMirror} on the blocking executor (one read per changed key), and each stream gets only the
 * resources that changed for its kind, under a new version (decimal, increasing per stream,
 * continuing above the version a reconnecting proxy names). ACKs and NACKs are recorded in the
 * catalog's {@link ProxyEntry} (replica, acked version, nacked version and detail, last seen); a
 * NACKed resource is not re-sent until it changes again. A stream that ends is marked disconnected
 * (replica empty) unless the proxy has already reconnected elsewhere. Nothing here blocks an event
 * loop or a Hazelcast thread.
 *
 * <p>Meters:
 *
 * <ul>
 *   <li>{@value #CONNECTED} (gauge): proxies with a stream on this replica.
 *   <li>{@value #RESPONSES} (counter; tag {@code full}): responses sent.
 *   <li>{@value #BYTES} (summary, bytes): serialized size of each response.
 *   <li>{@value #ACKS} / {@value #NACKS} (counters): ACKs and NACKs received.
 *   <li>{@value #REFUSED} (counter; tag {@code reason}): streams refused.
 *   <li>{@value #REBUILD} (timer): applying a batch of catalog changes and rebuilding the views.
 *   <li>{@value #CHANGE_TO_SEND} (timer): from the first catalog change event of a batch to the
 *       response being written on a stream.
 *   <li>{@value #ACK_LATENCY} (timer): from a response written to its ACK.
 * </ul>
 */
public final class ProxyPush implements ControllerExtension {
  /** Meter: proxies connected to this replica. */
  public static final String CONNECTED = "fedmesh.controller.push.connected";

  /** Meter: responses sent. */
  public static final String RESPONSES = "fedmesh.controller.push.responses";

  /** Meter: bytes per response. */
  public static final String BYTES = "fedmesh.controller.push.bytes";

  /** Meter: ACKs received. */
  public static final String ACKS = "fedmesh.controller.push.acks";

  /** Meter: NACKs received. */
  public static final String NACKS = "fedmesh.controller.push.nacks";

  /** Meter: streams refused. */
  public static final String REFUSED = "fedmesh.controller.push.refused";

  /** Meter: view rebuild time per batch of changes. */
  public static final String REBUILD = "fedmesh.controller.push.rebuild";

  /** Meter: catalog change to response written. */
  public static final String CHANGE_TO_SEND = "fedmesh.controller.push.change.to.send";

  /** Meter: response written to ACK received. */
  public static final String ACK_LATENCY = "fedmesh.controller.push.ack.latency";

  private static final Logger LOG = LoggerFactory.getLogger(ProxyPush.class);
  private static final Pattern PROXY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:-]{0,252}");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final Duration debounce;
  private final Set<ProxyStream> streams = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Catalog.Change> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private volatile long firstPendingNanos;
  private volatile View view = View.EMPTY;
  private ControllerContext ctx;
  private CatalogMirror mirror;
  private PushMetrics metrics;
  private List<UUID> listener;

  /** A push coalescing catalog changes for {@code debounce}. */
  public ProxyPush(Duration debounce) {
    this.debounce = Objects.requireNonNull(debounce, "debounce");
  }

  @Override
  public void install(ControllerContext context) {
    this.ctx = context;
    this.metrics = new PushMetrics(context.meterRegistry());
    this.mirror = new CatalogMirror(context.catalog());
    // Listen before loading: changes racing the load are applied after it (reads are idempotent).
    this.listener = context.catalog().onChange(this::changed);
    context.blockingExecutor().execute(() -> publish(mirror.load(), 0));
    context.addMtlsService(service());
  }

  @Override
  public Future<Void> close() {
    for (ProxyStream s : streams) {
      s.close();
    }
    streams.clear();
    if (listener != null) {
      List<UUID> l = listener;
      listener = null;
      ctx.blockingExecutor().execute(() -> ctx.catalog().removeListener(l));
    }
    return Future.succeededFuture();
  }

  /** On a Hazelcast event thread: queue and schedule, nothing else. */
  private void changed(Catalog.Change change) {
    if (change.map().equals(Catalog.PROXIES) || change.map().equals(Catalog.LINKS)) {
      return;
    }
    pending.add(change);
    if (flushScheduled.compareAndSet(false, true)) {
      firstPendingNanos = System.nanoTime();
      long delay = Math.max(1, debounce.toMillis());
      ctx.vertx().setTimer(delay, id -> ctx.blockingExecutor().execute(this::flush));
    }
  }

  private void flush() {
    long seen = firstPendingNanos;
    flushScheduled.set(false);
    List<Catalog.Change> batch = new ArrayList<>();
    for (Catalog.Change c; (c = pending.poll()) != null; ) {
      batch.add(c);
    }
    if (batch.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    View next;
    try {
      next = mirror.apply(batch);
    } catch (RuntimeException e) {
      LOG.warn("push: catalog changes not applied ({}); retrying", e.getMessage());
      pending.addAll(batch);
      if (flushScheduled.compareAndSet(false, true)) {
        ctx.vertx().setTimer(1000, id -> ctx.blockingExecutor().execute(this::flush));
      }
      return;
    }
    metrics.rebuild.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    publish(next, seen);
  }

  private void publish(View next, long changeSeenNanos) {
    if (next == view) {
      return;
    }
    view = next;
    for (ProxyStream s : streams) {
      s.offer(next, changeSeenNanos);
    }
  }

  private Service service() {
    return new Service() {
      @Override
      public ServiceName name() {
        return ProxyDiscoveryGrpcService.SERVICE_NAME;
      }

      @Override
      public Descriptors.ServiceDescriptor descriptor() {
        return ProxyDiscoveryGrpcService.SERVICE_DESCRIPTOR;
      }

      @Override
      public void bind(GrpcServer server) {
        server.callHandler(ProxyDiscoveryGrpcService.Stream, ProxyPush.this::open);
      }
    };
  }

  private void open(GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> req) {
    io.vertx.core.Context context = Vertx.currentContext();
    ProxyStream[] stream = new ProxyStream[1];
    req.handler(
        msg -> {
          if (stream[0] == null) {
            stream[0] = first(req, context, msg);
          } else if (!stream[0].isClosed()) {
            stream[0].onRequest(msg);
          }
        });
    req.endHandler(v -> closed(stream[0], true));
    req.exceptionHandler(t -> closed(stream[0], false));
    req.errorHandler(e -> closed(stream[0], false));
    req.response().exceptionHandler(t -> closed(stream[0], false));
  }

  private ProxyStream first(
      GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> req,
      io.vertx.core.Context context,
      DiscoveryRequest msg) {
    String problem = checkNode(msg.getNode());
    GrpcStatus status = GrpcStatus.INVALID_ARGUMENT;
    if (problem == null) {
      problem = checkIdentity(msg.getNode(), CaService.peerChain(req.connection()));
      status = GrpcStatus.PERMISSION_DENIED;
    }
    if (problem != null) {
      metrics.refused(status == GrpcStatus.PERMISSION_DENIED ? "identity" : "node");
      LOG.info("push: stream refused: {}", problem);
      req.response().status(status).statusMessage(problem).end();
      return closedStream(req, context, msg.getNode());
    }
    long held = 0;
    try {
      held = msg.getVersion().isEmpty() ? 0 : Math.max(0, Long.parseLong(msg.getVersion()));
    } catch (NumberFormatException e) {
      held = 0;
    }
    ProxyStream s = new ProxyStream(this, req, context, msg.getNode(), held);
    streams.add(s);
    metrics.connected.incrementAndGet();
    record(s.entry(ctx.replicaId()));
    s.offer(view, 0);
    return s;
  }

  private ProxyStream closedStream(
      GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> req,
      io.vertx.core.Context context,
      Node node) {
    ProxyStream s = new ProxyStream(this, req, context, node, 0);
    s.close();
    return s;
  }

  /** What is wrong with a node's fields, or null. */
  String checkNode(Node n) {
    if (n.getProxyId().isEmpty()) {
      return "node.proxy_id: missing (expected: a unique id, e.g. 'frontend-1/us-east-a')";
    }
    if (!PROXY_ID.matcher(n.getProxyId()).matches()) {
      return "node.proxy_id: '"
          + printable(n.getProxyId())
          + "' (expected: 1..253 of letters, digits, '.', '_', '/', ':', '-')";
    }
    if (!n.getCluster().equals(ctx.cluster())) {
      return "node.cluster: '"
          + printable(n.getCluster())
          + "' (expected: '"
          + ctx.cluster()
          + "', the cluster of this controller)";
    }
    if (!LABEL.matcher(n.getRegion()).matches() || !LABEL.matcher(n.getZone()).matches()) {
      return "node.region/zone: '"
          + printable(n.getRegion())
          + "'/'"
          + printable(n.getZone())
          + "' (expected: DNS labels)";
    }
    if (n.getKind() != ProxyKind.PROXY_KIND_SIDECAR
        && n.getKind() != ProxyKind.PROXY_KIND_GATEWAY) {
      return "node.kind: " + n.getKind() + " (expected: PROXY_KIND_SIDECAR or PROXY_KIND_GATEWAY)";
    }
    return null;
  }

  /** Whether the caller's SVID may speak for {@code n}: null if so, else why not. */
  String checkIdentity(Node n, List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      return "no client certificate (expected: the proxy's SVID)";
    }
    SpiffeId id;
    try {
      id = SvidVerifier.spiffeIdOf(chain.get(0));
    } catch (RuntimeException e) {
      return "client certificate has no SPIFFE ID: " + e.getMessage();
    }
    if (!id.memberOf(ctx.trustDomain())) {
      return "SVID "
          + id
          + " is not of this cluster's trust domain '"
          + ctx.trustDomain()
          + "' (proxies get config from their own cluster's controller)";
    }
    if (n.getKind() == ProxyKind.PROXY_KIND_GATEWAY) {
      SpiffeId gw = SystemIdentities.gateway(ctx.trustDomain());
      return id.equals(gw)
          ? null
          : "node.kind is PROXY_KIND_GATEWAY but the SVID is " + id + " (expected: " + gw + ")";
    }
    String ns = id.namespace().orElse("");
    String sa = id.serviceAccount().orElse("");
    if (!ns.equals(n.getNamespace()) || !sa.equals(n.getWorkload())) {
      return "node names namespace '"
          + printable(n.getNamespace())
          + "' and workload '"
          + printable(n.getWorkload())
          + "' but the SVID is "
          + id
          + " (expected: ns/"
          + printable(n.getNamespace())
          + "/sa/"
          + printable(n.getWorkload())
          + ")";
    }
    return null;
  }

  private static String printable(String s) {
    String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  private void closed(ProxyStream s, boolean graceful) {
    if (s == null || s.isClosed()) {
      if (s != null && streams.remove(s)) {
        metrics.connected.decrementAndGet();
      }
      return;
    }
    s.close();
    if (streams.remove(s)) {
      metrics.connected.decrementAndGet();
      ProxyEntry gone = s.entry("");
      ctx.blockingExecutor().execute(() -> markDisconnected(gone));
    }
    if (graceful) {
      try {
        s.request().response().end();
      } catch (IllegalStateException e) {
        // already ended
      }
    }
  }

  private void markDisconnected(ProxyEntry gone) {
    try {
      ProxyEntry now = ctx.catalog().proxy(gone.proxyId()).orElse(null);
      if (now == null || now.replica().equals(ctx.replicaId())) {
        ctx.catalog().putProxy(gone);
      }
    } catch (RuntimeException e) {
      LOG.debug("push: disconnect of {} not recorded: {}", gone.proxyId(), e.getMessage());
    }
  }

  // ---- called by streams -----------------------------------------------------------------

  void sent(DiscoveryResponse r, long changeToSendNanos) {
    (r.getFull() ? metrics.fullResponses : metrics.deltaResponses).increment();
    metrics.bytes.record(r.getSerializedSize());
    if (changeToSendNanos > 0) {
      metrics.changeToSend.record(changeToSendNanos, TimeUnit.NANOSECONDS);
    }
  }

  void acked(long latencyNanos) {
    metrics.acks.increment();
    if (latencyNanos >= 0) {
      metrics.ackLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }
  }

  void nacked(ProxyStream s, String version, String detail) {
    metrics.nacks.increment();
    LOG.warn("push: proxy {} NACKed version {}: {}", s.node().getProxyId(), version, detail);
  }

  void record(ProxyEntry entry) {
    ctx.blockingExecutor()
        .execute(
            () -> {
              try {
                ctx.catalog().putProxy(entry);
              } catch (RuntimeException e) {
                LOG.debug("push: state of {} not recorded: {}", entry.proxyId(), e.getMessage());
              }
            });
  }

  String replicaId() {
    return ctx.replicaId();
  }

  long clockMillis() {
    return ctx.clock().millis();
  }
}
