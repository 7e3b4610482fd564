package io.fedmesh.proxy.push;

import io.fedmesh.api.v1.DiscoveryRequest;
import io.fedmesh.api.v1.DiscoveryResponse;
import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyDiscoveryGrpcClient;
import io.fedmesh.api.v1.Resource;
import io.fedmesh.api.v1.ResourceKey;
import io.fedmesh.api.v1.ResourceType;
import io.fedmesh.proxy.config.ProxyConfigLoader;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.Json;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A proxy's end of the push: holds one {@code ProxyDiscovery.Stream} to one of its cluster's
 * controller replicas (mTLS with the proxy's SVID; the server must be the cluster's {@code
 * sa/controller}), assembles the pushed resources into a {@link ProxySnapshot} with the same reader
 * as a static config file, ACKs what it applied and NACKs (with the reader's message) what it
 * rejected, keeping the last good snapshot. Trust bundle resources update the proxy's {@link
 * BundleSet}. When the stream ends or cannot be opened it tries the next replica after a jittered,
 * capped exponential backoff, naming the version it holds; meanwhile the proxy serves its last good
 * snapshot. All work runs on one Vert.x context.
 */
public final class ControllerClient implements AutoCloseable {
  /** First reconnect delay. */
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(100);

  /** Longest reconnect delay. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /**
   * Largest push message accepted (a full snapshot of 10,000 endpoints is about 1.4 MB; Vert.x's
   * default of 256 KiB would reset the stream on any real cluster).
   */
  public static final long MAX_MESSAGE_BYTES = 16L * 1024 * 1024;

  private static final System.Logger LOG = System.getLogger(ControllerClient.class.getName());

  private final Vertx vertx;
  private final io.vertx.core.Context context;
  private final List<SocketAddress> controllers;
  private final Node node;
  private final BundleSet bundles;
  private final Consumer<ProxySnapshot> onSnapshot;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final Random random;
  private final GrpcClient client;
  private final Promise<ProxySnapshot> first = Promise.promise();
  private Map<String, Resource> good = new TreeMap<>();
  private ProxySnapshot snapshot;
  private String version = "";
  private String nackVersion = "";
  private String nack = "";
  private int next;
  private int failures;
  private long streams;
  private boolean connected;
  private String replica = "";
  private GrpcClientRequest<DiscoveryRequest, DiscoveryResponse> current;
  private long retryTimer = -1;
  private volatile boolean closed;
  private volatile PushState state = new PushState(false, "", "", "", "", 0);

  private ControllerClient(Builder b) {
    this.vertx = b.vertx;
    this.context = b.vertx.getOrCreateContext();
    this.controllers = List.copyOf(b.controllers);
    this.node = b.node;
    this.bundles = b.bundles;
    this.onSnapshot = b.onSnapshot;
    this.minBackoff = b.minBackoff;
    this.maxBackoff = b.maxBackoff;
    this.random = b.random;
    this.snapshot = b.initial;
    TrustDomain domain = b.bundles.localDomain();
    HttpClientOptions options =
        b.tls
            .configureClient(
                new HttpClientOptions(), id -> id.equals(SystemIdentities.controller(domain)))
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setUseAlpn(true)
            .setConnectTimeout((int) b.connectTimeout.toMillis())
            .setHttp2KeepAliveTimeout(30)
            .setIdleTimeout(0);
    this.client =
        GrpcClient.client(
            vertx, new GrpcClientOptions().setMaxMessageSize(MAX_MESSAGE_BYTES), options);
    this.next = b.controllers.size() > 1 ? random.nextInt(b.controllers.size()) : 0;
  }

  /**
   * A client for proxy {@code node} holding {@code tls} (its SVID) and {@code bundles}, reaching
   * any of {@code controllers} (their mTLS listeners), telling {@code onSnapshot} of each snapshot
   * applied.
   */
  public static Builder builder(
      Vertx vertx,
      MeshTls tls,
      BundleSet bundles,
      Node node,
      List<SocketAddress> controllers,
      Consumer<ProxySnapshot> onSnapshot) {
    return new Builder(vertx, tls, bundles, node, controllers, onSnapshot);
  }

  /** Opens the first stream; the future completes with the first snapshot applied. */
  public Future<ProxySnapshot> start() {
    context.runOnContext(v -> connect());
    return first.future();
  }

  /** The snapshot in use (the last good one), or the initial one, or null. */
  public ProxySnapshot snapshot() {
    return snapshot;
  }

  /** What the client holds now; safe from any thread. */
  public PushState state() {
    return state;
  }

  private void connect() {
    if (closed) {
      return;
    }
    SocketAddress target = controllers.get(next % controllers.size());
    next++;
    String name = target.host() + ":" + target.port();
    client
        .request(target, ProxyDiscoveryGrpcClient.Stream)
        .onSuccess(req -> opened(req, name))
        .onFailure(t -> lost(name, t));
  }

  private void opened(GrpcClientRequest<DiscoveryRequest, DiscoveryResponse> req, String name) {
    if (closed) {
      req.cancel();
      return;
    }
    current = req;
    req.response()
        .onSuccess(
            resp -> {
              resp.handler(r -> received(req, name, r));
              resp.endHandler(
                  v -> {
                    String why =
                        resp.status() == null || resp.status() == io.vertx.grpc.common.GrpcStatus.OK
                            ? "stream ended by the controller"
                            : resp.status().name() + ": " + resp.statusMessage();
                    lost(name, new IllegalStateException(why));
                  });
              resp.exceptionHandler(t -> lost(name, t));
            })
        .onFailure(t -> lost(name, t));
    req.exceptionHandler(t -> lost(name, t));
    req.write(DiscoveryRequest.newBuilder().setNode(node).setVersion(version).build())
        .onFailure(t -> lost(name, t));
  }

  private void received(
      GrpcClientRequest<DiscoveryRequest, DiscoveryResponse> req,
      String name,
      DiscoveryResponse r) {
    if (req != current || closed) {
      return;
    }
    if (!connected) {
      connected = true;
      failures = 0;
      streams++;
      replica = name;
      LOG.log(Level.INFO, "push: {0} connected to controller {1}", node.getProxyId(), name);
    }
    Map<String, Resource> candidate = r.getFull() ? new TreeMap<>() : new TreeMap<>(good);
    for (ResourceKey k : r.getRemovedList()) {
      candidate.remove(id(k));
    }
    for (Resource res : r.getResourcesList()) {
      candidate.put(id(res.getKey()), res);
    }
    String problem;
    ProxySnapshot assembled = null;
    List<TrustBundle> pushedBundles = new ArrayList<>();
    try {
      pushedBundles = bundlesOf(candidate);
      assembled = assemble(candidate, r.getVersion(), name);
      problem = null;
    } catch (TrustException | IllegalArgumentException e) {
      problem = e.getMessage();
    }
    DiscoveryRequest.Builder reply =
        DiscoveryRequest.newBuilder().setVersion(r.getVersion()).setNonce(r.getNonce());
    if (problem != null) {
      nackVersion = r.getVersion();
      nack = problem;
      LOG.log(
          Level.WARNING, "push: version {0} from {1} rejected: {2}", r.getVersion(), name, problem);
      reply.setErrorDetail(problem);
      publishState();
      req.write(reply.build());
      return;
    }
    good = candidate;
    version = r.getVersion();
    snapshot = assembled;
    applyBundles(pushedBundles);
    publishState();
    req.write(reply.build());
    onSnapshot.accept(assembled);
    first.tryComplete(assembled);
  }

  private static String id(ResourceKey k) {
    return k.getType().getNumber() + ":" + k.getName();
  }

  private List<TrustBundle> bundlesOf(Map<String, Resource> resources) {
    List<TrustBundle> out = new ArrayList<>();
    for (Resource r : resources.values()) {
      if (r.getKey().getType() == ResourceType.RESOURCE_TYPE_TRUST_BUNDLE) {
        out.add(
            BundleCodec.parse(
                TrustDomain.of(r.getKey().getName()),
                r.getBody(),
                "pushed bundle " + r.getKey().getName()));
      }
    }
    return out;
  }

  /** Adds newer bundles, forgets federated domains no longer pushed; never drops the local one. */
  private void applyBundles(List<TrustBundle> pushed) {
    if (pushed.isEmpty()) {
      return;
    }
    Map<TrustDomain, TrustBundle> byDomain = new HashMap<>();
    for (TrustBundle b : pushed) {
      byDomain.put(b.trustDomain(), b);
      bundles.update(b);
    }
    for (TrustDomain d : bundles.domains()) {
      if (!d.equals(bundles.localDomain()) && !byDomain.containsKey(d)) {
        bundles.remove(d);
      }
    }
  }

  /** The ProxyConfig document of {@code resources}, read by the static config reader. */
  private ProxySnapshot assemble(Map<String, Resource> resources, String v, String from) {
    List<String> services = new ArrayList<>();
    List<String> policies = new ArrayList<>();
    String authorization = null;
    for (Resource r : resources.values()) {
      switch (r.getKey().getType()) {
        case RESOURCE_TYPE_SERVICE -> services.add(r.getBody());
        case RESOURCE_TYPE_POLICY -> policies.add(r.getBody());
        case RESOURCE_TYPE_AUTHORIZATION -> authorization = r.getBody();
        default -> {
          // bundles are applied to the BundleSet
        }
      }
    }
    StringBuilder doc = new StringBuilder(1024 + 256 * services.size());
    doc.append("{\"apiVersion\":")
        .append(Json.encode(ProxyConfigLoader.API_VERSION))
        .append(",\"kind\":")
        .append(Json.encode(ProxyConfigLoader.KIND))
        .append(",\"version\":")
        .append(Long.parseLong(v))
        .append(",\"cluster\":")
        .append(Json.encode(node.getCluster()))
        .append(",\"locality\":{\"region\":")
        .append(Json.encode(node.getRegion()))
        .append(",\"zone\":")
        .append(Json.encode(node.getZone()))
        .append("},\"services\":[")
        .append(String.join(",", services))
        .append("],\"policies\":[")
        .append(String.join(",", policies))
        .append(']');
    if (authorization != null) {
      doc.append(",\"authorization\":").append(authorization);
    }
    doc.append('}');
    try {
      return ProxyConfigLoader.parse(doc.toString(), "push version " + v + " from " + from);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("version: '" + v + "' (expected: a decimal integer)");
    }
  }

  private void lost(String name, Throwable t) {
    if (closed) {
      return;
    }
    if (current != null) {
      GrpcClientRequest<DiscoveryRequest, DiscoveryResponse> c = current;
      current = null;
      try {
        c.cancel();
      } catch (RuntimeException ignored) {
        // already gone
      }
    } else if (retryTimer >= 0) {
      return; // a retry is already scheduled
    }
    if (connected) {
      LOG.log(
          Level.WARNING,
          "push: {0} lost controller {1}: {2}",
          node.getProxyId(),
          name,
          t.getMessage());
    } else {
      LOG.log(
          Level.DEBUG,
          "push: {0} could not reach controller {1}: {2}",
          node.getProxyId(),
          name,
          t.getMessage());
    }
    connected = false;
    publishState();
    failures++;
    long cap =
        Math.min(
            maxBackoff.toMillis(),
            minBackoff.toMillis() * (1L << Math.min(10, Math.max(0, failures - 1))));
    long delay = cap / 2 + (long) (random.nextDouble() * (cap / 2 + 1));
    retryTimer =
        vertx.setTimer(
            Math.max(1, delay),
            id -> {
              retryTimer = -1;
              connect();
            });
  }

  private void publishState() {
    state = new PushState(connected, replica, version, nackVersion, nack, Math.max(0, streams - 1));
  }

  @Override
  public void close() {
    closed = true;
    context.runOnContext(
        v -> {
          if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
          }
          if (current != null) {
            current.cancel();
          }
          client.close();
        });
  }

  /** Builds a {@link ControllerClient}. */
  public static final class Builder {
    private final Vertx vertx;
    private final MeshTls tls;
    private final BundleSet bundles;
    private final Node node;
    private final List<SocketAddress> controllers;
    private final Consumer<ProxySnapshot> onSnapshot;
    private ProxySnapshot initial;
    private Duration minBackoff = DEFAULT_MIN_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Random random = new Random();

    Builder(
        Vertx vertx,
        MeshTls tls,
        BundleSet bundles,
        Node node,
        List<SocketAddress> controllers,
        Consumer<ProxySnapshot> onSnapshot) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.tls = Objects.requireNonNull(tls, "tls");
      this.bundles = Objects.requireNonNull(bundles, "bundles");
      this.node = Objects.requireNonNull(node, "node");
      if (controllers.isEmpty()) {
        throw new IllegalArgumentException("controllers: empty (expected: at least one host:port)");
      }
      this.controllers = List.copyOf(controllers);
      this.onSnapshot = Objects.requireNonNull(onSnapshot, "onSnapshot");
    }

    /** Reconnect backoff bounds; min 10 ms..max, max up to 5 min. */
    public Builder backoff(Duration min, Duration max) {
      if (min.toMillis() < 10
          || max.compareTo(min) < 0
          || max.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException(
            "backoff: " + min + ".." + max + " (expected: 10ms <= min <= max <= 5m)");
      }
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** Connect timeout per attempt, 100 ms..60 s; default 2 s. */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.toMillis() < 100 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException(
            "connectTimeout: " + timeout + " (expected: 100ms..60s)");
      }
      this.connectTimeout = timeout;
      return this;
    }

    /** The snapshot to report before the first push arrives. */
    public Builder initial(ProxySnapshot snapshot) {
      this.initial = snapshot;
      return this;
    }

    /** Randomness for the replica order and backoff jitter (tests pass a seeded one). */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    public ControllerClient build() {
      return new ControllerClient(this);
    }
  }
}
