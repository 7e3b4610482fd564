package io.fedmesh.cli.runner;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One cluster of a local run, in one OS process: its east-west gateway, its demo replicas each
 * behind a sidecar, and the control endpoint ({@link ControlServer}). The process plays the
 * platform: it issues each workload's SVID from the cluster's CA, registers each replica's sidecar
 * inbound as an endpoint, and hands every proxy its config, rebuilt and versioned on each change:
 * local endpoints (sidecar inbound addresses, by zone) plus, per linked cluster, its exported
 * services as one endpoint per zone behind that cluster's gateway, with the SNI naming them. Linked
 * clusters' gateways are learned from their {@code ready.json} in the state directory.
 *
 * <p>All changes run on one thread, in order; proxies read the current config lock-free.
 */
public final class ClusterProcess implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  private static final Duration PEER_SCAN = Duration.ofMillis(500);

  private final StateDir state;
  private final Topology topology;
  private final Topology.Cluster me;
  private final CertificateAuthority ca;
  private final BundleSet bundles;
  private final Vertx vertx;
  private final ExecutorService changes;
  private final Map<String, ServiceState> services = new LinkedHashMap<>();
  private final Set<String> links = new LinkedHashSet<>();
  private final Map<String, StateDir.Ready> peers = new TreeMap<>();
  private final Map<String, AtomicReference<ProxySnapshot>> views = new LinkedHashMap<>();
  private final AtomicReference<ProxySnapshot> gatewayView = new AtomicReference<>();
  private long version;
  private EastWestGateway gateway;
  private ControlServer control;
  private long peerTimer = -1;

  /** One service's desired and running replicas. */
  private static final class ServiceState {
    final Topology.Service spec;
    final Map<String, Integer> desired;
    final List<Workload> running = new ArrayList<>();
    int nextPod = 1;

    ServiceState(Topology.Service spec) {
      this.spec = spec;
      this.desired = new LinkedHashMap<>(spec.replicas());
    }
  }

  private ClusterProcess(StateDir state, Topology topology, Topology.Cluster me, Clock clock) {
    this.state = state;
    this.topology = topology;
    this.me = me;
    this.ca = state.ca(me.name(), clock);
    this.bundles = state.bundles(topology, me.name());
    this.vertx = Vertx.vertx();
    this.changes =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "fedmesh-cluster-" + me.name());
              t.setDaemon(true);
              return t;
            });
    for (Topology.Service s : me.services()) {
      services.put(key(s.namespace(), s.name()), new ServiceState(s));
    }
    for (Topology.Link l : topology.links()) {
      if (l.from().equals(me.name())) {
        links.add(l.to());
      } else if (l.to().equals(me.name())) {
        links.add(l.from());
      }
    }
    for (String zone : me.zones()) {
      views.put(zone, new AtomicReference<>());
    }
  }

  /**
   * Starts cluster {@code cluster} of the run in {@code state}: gateway, replicas, control
   * endpoint; then writes its {@code ready.json}.
   */
  public static ClusterProcess start(StateDir state, String cluster, Clock clock) throws Exception {
    Topology topology = state.topology();
    Topology.Cluster me =
        topology
            .cluster(cluster)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "cluster '"
                            + cluster
                            + "' is not in "
                            + state.topologyFile()
                            + " (expected: one of "
                            + String.join(", ", topology.clusterNames())
                            + ")"));
    ClusterProcess p = new ClusterProcess(state, topology, me, clock);
    try {
      p.onChanges(p::startAll);
      return p;
    } catch (Exception e) {
      p.close();
      throw e;
    }
  }

  private Void startAll() throws Exception {
    scanPeers();
    publish();
    gateway =
        await(
            EastWestGateway.builder(gatewayView.get())
                .host(HOST)
                .port(0)
                .adminHost(HOST)
                .adminPort(0)
                .build()
                .start(vertx));
    reconcile();
    MeshTls tls = MeshTls.builder(Identities.issue(ca, runnerId()), bundles).build();
    control = new ControlServer(this, tls, operatorId());
    int controlPort = await(control.start(vertx));
    state.writeReady(
        new StateDir.Ready(
            me.name(), ProcessHandle.current().pid(), HOST, controlPort, HOST, gateway.port()));
    peerTimer =
        vertx.setPeriodic(
            PEER_SCAN.toMillis(),
            id ->
                changes.execute(
                    () -> {
                      if (scanPeers()) {
                        publish();
                      }
                    }));
    return null;
  }

  SpiffeId operatorId() {
    return SpiffeId.parse(ca.trustDomain().idString() + StateDir.OPERATOR_PATH);
  }

  SpiffeId runnerId() {
    return SpiffeId.parse(ca.trustDomain().idString() + StateDir.RUNNER_PATH);
  }

  String name() {
    return me.name();
  }

  /** Runs {@code change} on the change thread and waits for it. */
  <T> T onChanges(Callable<T> change) throws Exception {
    try {
      return changes.submit(change).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  // ---- changes (on the change thread only)

  /** Sets {@code namespace/service} to {@code replicas} spread over the zones; its status after. */
  ClusterStatus.ServiceView scale(String namespace, String service, int replicas) throws Exception {
    ServiceState s = services.get(key(namespace, service));
    if (s == null) {
      throw new RunnerException(
          404,
          "service '"
              + namespace
              + "/"
              + service
              + "' does not run in cluster "
              + me.name()
              + " (expected: one of "
              + String.join(", ", services.keySet())
              + ")");
    }
    if (replicas < 0 || replicas > Topology.MAX_REPLICAS_PER_ZONE * me.zones().size()) {
      throw new RunnerException(
          400,
          "replicas: "
              + replicas
              + " (expected: 0.."
              + Topology.MAX_REPLICAS_PER_ZONE * me.zones().size()
              + ")");
    }
    int zones = me.zones().size();
    for (int i = 0; i < zones; i++) {
      s.desired.put(me.zones().get(i), replicas / zones + (i < replicas % zones ? 1 : 0));
    }
    reconcile();
    return status().services().stream()
        .filter(v -> v.namespace().equals(namespace) && v.name().equals(service))
        .findFirst()
        .orElseThrow();
  }

  /** Links with {@code cluster}: imports what it exports once its gateway is known. */
  void link(String cluster) {
    checkPeer(cluster);
    if (links.add(cluster)) {
      scanPeers();
      publish();
    }
  }

  /** Unlinks {@code cluster}: its imports leave every proxy's config. */
  boolean unlink(String cluster) {
    checkPeer(cluster);
    boolean removed = links.remove(cluster);
    peers.remove(cluster);
    if (removed) {
      publish();
    }
    return removed;
  }

  private void checkPeer(String cluster) {
    if (cluster.equals(me.name()) || topology.cluster(cluster).isEmpty()) {
      List<String> others = new ArrayList<>(topology.clusterNames());
      others.remove(me.name());
      throw new RunnerException(
          400,
          "cluster '"
              + cluster
              + "' "
              + (cluster.equals(me.name()) ? "is this cluster" : "is not in the topology")
              + " (expected: one of "
              + String.join(", ", others)
              + ")");
    }
  }

  private void reconcile() throws Exception {
    List<Workload> stopping = new ArrayList<>();
    List<Workload> started = new ArrayList<>();
    for (ServiceState s : services.values()) {
      for (Map.Entry<String, Integer> zone : s.desired.entrySet()) {
        List<Workload> inZone =
            s.running.stream().filter(w -> w.zone().equals(zone.getKey())).toList();
        for (int i = inZone.size(); i < zone.getValue(); i++) {
          String pod = s.spec.name() + "-" + me.name() + "-" + s.nextPod++;
          Workload w =
              await(
                  Workload.start(
                      vertx,
                      new DemoApps.Placement(me.name(), zone.getKey(), pod),
                      s.spec,
                      MeshTls.builder(
                              Identities.issue(
                                  ca, Identities.workload(ca, s.spec.namespace(), s.spec.name())),
                              bundles)
                          .build(),
                      views.get(zone.getKey())::get));
          started.add(w);
          s.running.add(w);
        }
        for (int i = inZone.size() - 1; i >= zone.getValue(); i--) {
          // Newest first, like a ReplicaSet scaling down.
          stopping.add(inZone.get(i));
          s.running.remove(inZone.get(i));
        }
      }
    }
    if (!started.isEmpty() || !stopping.isEmpty()) {
      // Callers stop picking the leaving replicas before they stop; retries cover what was in
      // flight.
      publish();
      for (Workload w : stopping) {
        await(w.close());
      }
    }
  }

  /** Reads linked clusters' ready files; true when what is known changed. */
  private boolean scanPeers() {
    boolean changed = false;
    for (String peer : links) {
      Optional<StateDir.Ready> ready = state.ready(peer);
      if (ready.isPresent() && !ready.get().equals(peers.get(peer))) {
        peers.put(peer, ready.get());
        changed = true;
      } else if (ready.isEmpty() && peers.remove(peer) != null) {
        changed = true;
      }
    }
    return changed;
  }

  private void publish() {
    version++;
    for (String zone : me.zones()) {
      views.get(zone).set(snapshot(new Locality(me.region(), zone, me.name()), false));
    }
    ProxySnapshot g = snapshot(new Locality(me.region(), me.zones().get(0), me.name()), true);
    gatewayView.set(g);
    if (gateway != null) {
      gateway.update(g);
    }
  }

  private ProxySnapshot snapshot(Locality proxy, boolean forGateway) {
    Map<ServiceName, ServiceParts> parts = new TreeMap<>();
    for (ServiceState s : services.values()) {
      if (forGateway && !s.spec.exported()) {
        continue;
      }
      ServiceParts p = parts.computeIfAbsent(name(s.spec), n -> new ServiceParts(s.spec));
      p.exported = s.spec.exported();
      p.identities.add(Identities.workload(ca, s.spec.namespace(), s.spec.name()));
      for (Workload w : s.running) {
        p.endpoints.add(
            Endpoint.local(
                w.placement().pod(),
                HOST,
                w.inboundPort(),
                new Locality(me.region(), w.zone(), me.name())));
      }
    }
    if (!forGateway) {
      for (Map.Entry<String, StateDir.Ready> peer : peers.entrySet()) {
        Topology.Cluster remote = topology.cluster(peer.getKey()).orElseThrow();
        for (Topology.Service rs : remote.services()) {
          if (!rs.exported()) {
            continue;
          }
          ServiceParts p = parts.computeIfAbsent(name(rs), n -> new ServiceParts(rs));
          p.identities.add(
              SpiffeId.parse(
                  "spiffe://"
                      + remote.trustDomain()
                      + "/ns/"
                      + rs.namespace()
                      + "/sa/"
                      + rs.name()));
          String sni = new SniName(name(rs), rs.port(), remote.name()).toString();
          rs.replicas()
              .forEach(
                  (zone, n) -> {
                    if (n > 0) {
                      p.endpoints.add(
                          new Endpoint(
                              remote.name() + "/" + zone,
                              peer.getValue().gatewayHost(),
                              peer.getValue().gatewayPort(),
                              new Locality(remote.region(), zone, remote.name()),
                              n,
                              true,
                              Optional.of(sni)));
                    }
                  });
        }
      }
    }
    Map<ServiceName, Service> out = new TreeMap<>();
    parts.forEach((n, p) -> out.put(n, p.build(n)));
    return new ProxySnapshot(
        version, me.name(), proxy, out, Map.of(), AuthorizationPolicy.ALLOW_MESH);
  }

  /** A service being assembled from local replicas and imports. */
  private static final class ServiceParts {
    final Topology.Service spec;
    final Set<SpiffeId> identities = new LinkedHashSet<>();
    final List<Endpoint> endpoints = new ArrayList<>();
    boolean exported;

    ServiceParts(Topology.Service spec) {
      this.spec = spec;
    }

    Service build(ServiceName n) {
      Protocol protocol = spec.kind() == Topology.Kind.GRPC_ECHO ? Protocol.GRPC : Protocol.HTTP;
      return new Service(
          n,
          List.of(new ServicePort(spec.kind().protocol(), spec.port(), protocol)),
          List.copyOf(identities),
          exported,
          endpoints);
    }
  }

  private static ServiceName name(Topology.Service s) {
    return new ServiceName(s.name(), s.namespace());
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** What runs now (on the change thread). */
  ClusterStatus status() {
    List<ClusterStatus.Workload> workloads = new ArrayList<>();
    for (ServiceState s : services.values()) {
      for (Workload w : s.running) {
        workloads.add(w.describe());
      }
    }
    List<ClusterStatus.Link> linkViews = new ArrayList<>();
    for (String l : links) {
      StateDir.Ready r = peers.get(l);
      linkViews.add(
          new ClusterStatus.Link(
              l,
              r == null ? "pending" : "connected",
              r == null ? "" : r.gatewayHost() + ":" + r.gatewayPort()));
    }
    ProxySnapshot view = views.get(me.zones().get(0)).get();
    List<ClusterStatus.ServiceView> serviceViews = new ArrayList<>();
    for (Service s : view.services().values()) {
      Map<String, int[]> counts = new TreeMap<>();
      Map<String, String> via = new TreeMap<>();
      for (ServiceState local : services.values()) {
        if (name(local.spec).equals(s.name())) {
          for (String zone : me.zones()) {
            counts.computeIfAbsent(me.name() + "/" + zone, k -> new int[2]);
            via.put(me.name() + "/" + zone, "local");
          }
        }
      }
      for (Endpoint e : s.endpoints()) {
        String loc = e.locality().cluster() + "/" + e.locality().zone();
        int[] c = counts.computeIfAbsent(loc, k -> new int[2]);
        int n = e.isRemote() ? e.weight() : 1;
        c[0] += n;
        c[1] += e.healthy() ? n : 0;
        via.put(loc, e.isRemote() ? e.address() : "local");
      }
      List<ClusterStatus.LocalityView> localities = new ArrayList<>();
      counts.forEach(
          (loc, c) -> {
            int slash = loc.indexOf('/');
            localities.add(
                new ClusterStatus.LocalityView(
                    loc.substring(0, slash), loc.substring(slash + 1), c[0], c[1], via.get(loc)));
          });
      serviceViews.add(
          new ClusterStatus.ServiceView(
              s.name().namespace(), s.name().name(), s.exported(), localities));
    }
    return new ClusterStatus(
        me.name(),
        me.trustDomain(),
        me.region(),
        ProcessHandle.current().pid(),
        version,
        new ClusterStatus.Gateway(
            HOST + ":" + gateway.port(),
            HOST + ":" + gateway.adminPort(),
            gateway.isReady(),
            gateway.routes(),
            gateway.activeConnections()),
        linkViews,
        workloads,
        serviceViews);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Stops everything: control endpoint, replicas, gateway (draining briefly), Vert.x. */
  @Override
  public void close() throws Exception {
    try {
      onChanges(
          () -> {
            if (peerTimer >= 0) {
              vertx.cancelTimer(peerTimer);
            }
            state.clearProcess(me.name());
            if (control != null) {
              await(control.close());
            }
            for (ServiceState s : services.values()) {
              for (Workload w : s.running) {
                await(w.close());
              }
              s.running.clear();
            }
            if (gateway != null) {
              await(gateway.shutdown(Duration.ofSeconds(2)));
            }
            return null;
          });
    } finally {
      changes.shutdownNow();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
