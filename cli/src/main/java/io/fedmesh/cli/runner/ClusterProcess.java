package io.fedmesh.cli.runner;

import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.BindException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One cluster of a local run, in one OS process: its controller replicas ({@link ControlPlane}),
 * its east-west gateway, its demo replicas each behind a sidecar, and the control endpoint ({@link
 * ControlServer}). The process plays the platform, through the controllers' admin API as the
 * operator: it registers the cluster's services and each replica's sidecar inbound as an endpoint,
 * and issues each proxy a join token. The proxies do the rest as they would anywhere: the gateway
 * and every sidecar get their SVID from the CA service with that token and their config by the push
 * stream ({@link ProxyControl}).
 *
 * <p>A replica leaving (scale down) is first removed from the catalog; it stops once every proxy of
 * this cluster runs a config without it (bounded), so callers stop picking it before it goes. A
 * replica arriving (scale up) is added to the catalog once it serves, and the scale returns once
 * every proxy of this cluster that routes to its service runs a config with it (bounded), so a call
 * made after {@code fedmesh scale} can already reach it.
 *
 * <p>All changes run on one thread, in order.
 */
public final class ClusterProcess implements AutoCloseable {
  static final String HOST = "127.0.0.1";

  /**
   * How long a scale waits for the proxies to take a change: to drop a leaving replica before
   * stopping it, or to hold an arriving one before returning.
   */
  public static final Duration PROPAGATION_BOUND = Duration.ofSeconds(10);

  private final StateDir state;
  private final Topology.Cluster me;
  private final Clock clock;
  private final CertificateAuthority ca;
  private final TrustBundle ownBundle;
  private final Vertx vertx;
  private final ExecutorService changes;
  private final ScheduledExecutorService renewals;
  private final Map<String, ServiceState> services = new LinkedHashMap<>();
  private ControlPlane plane;
  private AdminCalls admin;
  private ProxyControl gatewayControl;
  private EastWestGateway gateway;
  private final AtomicReference<EastWestGateway> gatewayRef = new AtomicReference<>();
  private ControlServer control;

  /** One service's desired and running replicas. */
  private static final class ServiceState {
    final Topology.Service spec;
    final Map<String, Integer> desired;
    final List<Pod> running = new ArrayList<>();
    int nextPod = 1;

    ServiceState(Topology.Service spec) {
      this.spec = spec;
      this.desired = new LinkedHashMap<>(spec.replicas());
    }
  }

  /** A running replica: the demo app with its sidecar, and the sidecar's control-plane side. */
  private record Pod(Workload workload, ProxyControl control) {}

  private ClusterProcess(StateDir state, Topology topology, Topology.Cluster me, Clock clock) {
    this.state = state;
    this.me = me;
    this.clock = clock;
    this.ca = state.ca(me.name(), clock);
    this.ownBundle = state.bundle(topology, me.name());
    this.vertx = Vertx.vertx();
    this.changes = Executors.newSingleThreadExecutor(daemon("fedmesh-cluster-" + me.name()));
    this.renewals =
        Executors.newSingleThreadScheduledExecutor(daemon("fedmesh-svid-renewal-" + me.name()));
    for (Topology.Service s : me.services()) {
      services.put(key(s.namespace(), s.name()), new ServiceState(s));
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Starts cluster {@code cluster} of the run in {@code state}: controllers, gateway, services,
   * replicas, control endpoint; then writes its {@code ready.json}.
   */
  public static ClusterProcess start(StateDir state, String cluster, Clock clock) throws Exception {
    return start(state, cluster, clock, CHANGE_BOUND);
  }

  /**
   * {@link #start(StateDir, String, Clock)}, giving up after {@code startBound}: the work in
   * progress is interrupted and what started is closed.
   */
  public static ClusterProcess start(
      StateDir state, String cluster, Clock clock, Duration startBound) throws Exception {
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
      p.onChanges(p::startAll, startBound, "starting cluster " + cluster, true);
      return p;
    } catch (Exception e) {
      try {
        p.close();
      } catch (Exception closing) {
        e.addSuppressed(closing); // the cause is what went wrong first
      }
      throw e;
    }
  }

  /** How long a change (scale, link, close) may take. */
  static final Duration CHANGE_BOUND = Duration.ofSeconds(120);

  private Void startAll() throws Exception {
    try (LoopbackPorts.Reserved gatewayPorts = LoopbackPorts.reserve(2)) {
      startAll(gatewayPorts);
    }
    return null;
  }

  private void startAll(LoopbackPorts.Reserved gatewayPorts) throws Exception {
    List<Integer> gw = gatewayPorts.ports();
    plane = ControlPlane.start(me, ca, clock, gw.get(0), gw.get(1));
    MeshTls operator =
        MeshTls.builder(state.operator(me.name()), BundleSet.of(ownBundle)).clock(clock).build();
    admin = new AdminCalls(vertx, me.name(), operator, ca.trustDomain(), plane.mtlsAddresses());
    for (ServiceState s : services.values()) {
      register(s.spec);
    }
    startGateway(gatewayPorts);
    reconcile(); // start-up waits, bounded, for the proxies to hold every first replica too
    MeshTls tls =
        MeshTls.builder(Identities.issue(ca, runnerId()), BundleSet.of(ownBundle)).build();
    control = new ControlServer(this, tls, operatorId());
    int controlPort = await(control.start(vertx));
    state.writeReady(
        new StateDir.Ready(
            me.name(),
            ProcessHandle.current().pid(),
            HOST,
            controlPort,
            HOST,
            gateway.port(),
            plane.mtlsAddresses()));
  }

  /** Puts a demo service in the catalog, as a platform's service definition would. */
  private void register(Topology.Service s) {
    String protocol = s.kind() == Topology.Kind.GRPC_ECHO ? "grpc" : "http";
    JsonObject body =
        new JsonObject()
            .put(
                "ports",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("name", s.kind().protocol())
                            .put("port", s.port())
                            .put("protocol", protocol)))
            .put(
                "identities",
                new JsonArray().add(Identities.workload(ca, s.namespace(), s.name()).toString()))
            .put("exported", s.exported());
    admin.await(a -> a.putService(s.namespace(), s.name(), body));
  }

  /** Starts the gateway on the ports held for it since before the controllers started. */
  private void startGateway(LoopbackPorts.Reserved ports) throws Exception {
    Node node =
        node("east-west-gateway-" + me.name(), me.zones().get(0), ProxyKind.PROXY_KIND_GATEWAY)
            .build();
    gatewayControl =
        enroll(
            SystemIdentities.gateway(ca.trustDomain()),
            node,
            snapshot -> {
              EastWestGateway g = gatewayRef.get();
              if (g != null) {
                g.update(snapshot);
              }
            });
    EastWestGateway.Builder builder =
        EastWestGateway.builder(gatewayControl.snapshot())
            .host(HOST)
            .adminHost(HOST)
            .adminPort(0)
            .healthHost(HOST)
            .peerTls(gatewayControl.tls());
    int port = ports.release(0);
    int healthPort = ports.release(1);
    try {
      gateway = await(builder.port(port).healthPort(healthPort).build().start(vertx));
    } catch (BindException e) {
      throw new IOException(
          "the east-west gateway of cluster "
              + me.name()
              + " could not listen on "
              + HOST
              + ":"
              + port
              + " (data) and "
              + HOST
              + ":"
              + healthPort
              + " (health), which fedmesh held free until then: "
              + e.getMessage()
              + "; another process bound one of them at that moment: run fedmesh up again",
          e);
    }
    gatewayRef.set(gateway);
    // A push that landed between the first snapshot and the listener's start.
    gateway.update(gatewayControl.snapshot());
  }

  /** Enrolls a proxy of this cluster as {@code id}: SVID by join token, config by push. */
  private ProxyControl enroll(SpiffeId id, Node node, Consumer<ProxySnapshot> onSnapshot)
      throws Exception {
    return await(
        ProxyControl.start(vertx, admin, plane, ownBundle, id, node, clock, renewals, onSnapshot));
  }

  private Node.Builder node(String proxyId, String zone, ProxyKind kind) {
    return Node.newBuilder()
        .setProxyId(proxyId)
        .setCluster(me.name())
        .setRegion(me.region())
        .setZone(zone)
        .setKind(kind);
  }

  SpiffeId operatorId() {
    return SystemIdentities.operator(ca.trustDomain());
  }

  SpiffeId runnerId() {
    return SpiffeId.parse(ca.trustDomain().idString() + StateDir.RUNNER_PATH);
  }

  String name() {
    return me.name();
  }

  /** Runs {@code change} on the change thread and waits for it. */
  <T> T onChanges(Callable<T> change) throws Exception {
    return onChanges(change, CHANGE_BOUND, "a change", false);
  }

  /**
   * Runs {@code change} on the change thread and waits up to {@code bound}; past it a {@link
   * TimeoutException} names {@code what}, and with {@code interrupt} the change is interrupted (a
   * start, so that the close that follows is not queued behind it; a scale or a kill is left to
   * finish, as an interrupt midway could leave a replica started and not recorded).
   */
  private <T> T onChanges(Callable<T> change, Duration bound, String what, boolean interrupt)
      throws Exception {
    java.util.concurrent.Future<T> f = changes.submit(change);
    try {
      return f.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (java.util.concurrent.TimeoutException e) {
      if (interrupt) {
        f.cancel(true);
      }
      throw new java.util.concurrent.TimeoutException(
          what
              + " did not finish within "
              + bound.toMillis()
              + " ms"
              + (interrupt ? " (up --timeout); it was interrupted" : "; it goes on"));
    }
  }

  // ---- changes (on the change thread only)

  /** Sets {@code namespace/service} to {@code replicas} spread over the zones; replicas after. */
  ClusterStatus.Scaled scale(String namespace, String service, int replicas) throws Exception {
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
    boolean propagated = reconcile();
    Map<String, Integer> running = new LinkedHashMap<>();
    for (String zone : me.zones()) {
      running.put(
          zone, (int) s.running.stream().filter(p -> p.workload().zone().equals(zone)).count());
    }
    return new ClusterStatus.Scaled(namespace, service, running, propagated);
  }

  /** Kills controller replica {@code index}, as a crash would. */
  ClusterStatus.Controller killController(int index) throws Exception {
    return plane.kill(index);
  }

  /** Starts and stops pods to match what is desired; false if a wait for the proxies ran out. */
  private boolean reconcile() throws Exception {
    List<Pod> started = new ArrayList<>();
    List<Pod> stopping = new ArrayList<>();
    for (ServiceState s : services.values()) {
      for (Map.Entry<String, Integer> zone : s.desired.entrySet()) {
        List<Pod> inZone =
            s.running.stream().filter(p -> p.workload().zone().equals(zone.getKey())).toList();
        for (int i = inZone.size(); i < zone.getValue(); i++) {
          String pod = s.spec.name() + "-" + me.name() + "-" + s.nextPod++;
          Pod p = startPod(s.spec, zone.getKey(), pod);
          s.running.add(p);
          started.add(p);
        }
        for (int i = inZone.size() - 1; i >= zone.getValue(); i--) {
          // Newest first, like a ReplicaSet scaling down.
          Pod p = inZone.get(i);
          admin.await(
              a ->
                  a.deleteEndpoint(
                      s.spec.namespace(), s.spec.name(), p.workload().placement().pod()));
          stopping.add(p);
          s.running.remove(p);
        }
      }
    }
    boolean propagated = started.isEmpty() || awaitProxies(started, true);
    if (!stopping.isEmpty()) {
      propagated &= awaitProxies(stopping, false);
      for (Pod p : stopping) {
        await(p.workload().close());
        p.control().close();
      }
    }
    return propagated;
  }

  private Pod startPod(Topology.Service spec, String zone, String pod) throws Exception {
    Node node =
        node(pod, zone, ProxyKind.PROXY_KIND_SIDECAR)
            .setNamespace(spec.namespace())
            .setWorkload(spec.name())
            .build();
    ProxyControl pc =
        enroll(Identities.workload(ca, spec.namespace(), spec.name()), node, snapshot -> {});
    Workload w;
    try {
      w =
          await(
              Workload.start(
                  vertx,
                  new DemoApps.Placement(me.name(), zone, pod),
                  spec,
                  pc.tls(),
                  pc::snapshot));
    } catch (Exception e) {
      pc.close();
      throw e;
    }
    JsonObject endpoint =
        new JsonObject()
            .put("host", HOST)
            .put("port", w.inboundPort())
            .put("region", me.region())
            .put("zone", zone);
    admin.await(a -> a.putEndpoint(spec.namespace(), spec.name(), pod, endpoint));
    return new Pod(w, pc);
  }

  /**
   * Waits (bounded by {@link #PROPAGATION_BOUND}) until the proxies of this cluster hold ({@code
   * held}) or no longer hold the endpoints of {@code pods}. Holding is asked only of the proxies
   * whose config has the pod's service (a sidecar that routes to it, the gateway when it is
   * exported); a proxy with no config yet gets the current one when it connects. False if the bound
   * ran out first.
   */
  private boolean awaitProxies(List<Pod> pods, boolean held) throws InterruptedException {
    long deadline = System.nanoTime() + PROPAGATION_BOUND.toNanos();
    while (!settled(pods, held)) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  private boolean settled(List<Pod> pods, boolean held) {
    List<ProxySnapshot> views = new ArrayList<>();
    views.add(gatewayControl.snapshot());
    for (ServiceState s : services.values()) {
      for (Pod p : s.running) {
        views.add(p.control().snapshot());
      }
    }
    for (Pod pod : pods) {
      ServiceName name =
          new ServiceName(pod.workload().spec().name(), pod.workload().spec().namespace());
      String id = pod.workload().placement().pod();
      for (ProxySnapshot v : views) {
        Service svc = v == null ? null : v.services().get(name);
        if (svc != null && holds(svc, id) != held) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean holds(Service svc, String endpointId) {
    for (Endpoint e : svc.endpoints()) {
      if (e.id().equals(endpointId)) {
        return true;
      }
    }
    return false;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** What runs now (on the change thread). */
  ClusterStatus status() {
    List<ClusterStatus.Workload> workloads = new ArrayList<>();
    for (ServiceState s : services.values()) {
      for (Pod p : s.running) {
        workloads.add(p.workload().describe(p.control().state()));
      }
    }
    return new ClusterStatus(
        me.name(),
        me.trustDomain(),
        me.region(),
        ProcessHandle.current().pid(),
        plane.describe(),
        new ClusterStatus.Gateway(
            HOST + ":" + gateway.port(),
            HOST + ":" + gateway.healthPort(),
            HOST + ":" + gateway.adminPort(),
            gateway.isReady(),
            gateway.routes(),
            gateway.activeConnections(),
            gatewayControl.state()),
        workloads);
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  /** Stops everything: control endpoint, replicas, gateway (draining briefly), controllers. */
  @Override
  public void close() throws Exception {
    try {
      onChanges(
          () -> {
            // Commands stop using this cluster now; the pid file stays until the very end, so that
            // a parent stopping the run (fedmesh down, Ctrl-C on up) still finds the process and
            // waits for it to exit.
            state.clearReady(me.name());
            if (control != null) {
              await(control.close());
            }
            for (ServiceState s : services.values()) {
              for (Pod p : s.running) {
                await(p.workload().close());
                p.control().close();
              }
              s.running.clear();
            }
            if (gateway != null) {
              await(gateway.shutdown(Duration.ofSeconds(2)));
            }
            if (gatewayControl != null) {
              gatewayControl.close();
            }
            if (admin != null) {
              admin.close();
            }
            if (plane != null) {
              plane.close();
            }
            return null;
          });
    } finally {
      changes.shutdownNow();
      renewals.shutdownNow();
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } finally {
        state.clearPid(me.name(), ProcessHandle.current().pid());
      }
    }
  }
}
