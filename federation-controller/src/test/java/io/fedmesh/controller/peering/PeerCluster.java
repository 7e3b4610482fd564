package io.fedmesh.controller.peering;

import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.FederationController;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One cluster's control plane on loopback for peering tests: real {@link FederationController}
 * replicas (Hazelcast catalog, CA, mTLS and bootstrap listeners) with {@link PeeringExtension}, and
 * a real east-west gateway routing {@code
 * fedmesh-controller[-bootstrap].fedmesh-system.<port>.<cluster>} to the replicas' listeners by
 * SNI, with its mTLS {@code /health}. The gateway's routes are built here from the catalog's
 * controller services (in a deployment the push gives them).
 */
public final class PeerCluster implements AutoCloseable {
  /**
   * Peering heartbeat in tests: a silent stream is dropped after three of these. Not shorter: two
   * clusters' controllers, gateways and Hazelcast members share one JVM and a loaded machine's
   * cores, and a pause of three heartbeats drops a healthy stream (the tests cut streams by
   * stopping a gateway, which does not wait for a heartbeat).
   */
  public static final Duration HEARTBEAT = Duration.ofMillis(500);

  public final String name;
  public final TrustDomain trustDomain;
  public final CertificateAuthority ca;
  public final ControllerFixture controllers;
  public final List<PeeringExtension> extensions = new ArrayList<>();
  public final Vertx vertx;
  public final Catalog catalog;
  public final MeshTls controllerTls;
  public final Peering peering;
  public final Locality locality;
  public EastWestGateway gateway;
  private volatile BundleSet bundles;
  private final int gatewayPort;
  private final int gatewayHealthPort;

  /** One replica. */
  public PeerCluster(String name) throws Exception {
    this(name, 1, b -> {});
  }

  /** One replica, with peering options. */
  public PeerCluster(String name, Consumer<Peering.Builder> options) throws Exception {
    this(name, 1, options);
  }

  /** {@code replicas} replicas, with peering options. */
  public PeerCluster(String name, int replicas, Consumer<Peering.Builder> options)
      throws Exception {
    this(name, replicas, options, b -> {});
  }

  /**
   * {@code replicas} replicas, with peering options and more for each replica's builder (other
   * extensions).
   */
  public PeerCluster(
      String name,
      int replicas,
      Consumer<Peering.Builder> options,
      Consumer<FederationController.Builder> replica)
      throws Exception {
    this.name = name;
    this.locality = new Locality(name, name + "-a", name);
    this.trustDomain = TrustDomain.of(name + ".fedmesh.local");
    this.ca = CertificateAuthority.builder(trustDomain).build();
    this.vertx = Vertx.vertx();
    // The gateway binds first (ephemeral ports the controllers' own port-0 listeners cannot
    // take), so its address can go into the peering extension; its routes come once the
    // replicas registered.
    this.gateway =
        await(gatewayBuilder(emptySnapshot()).port(0).healthPort(0).build().start(vertx));
    this.gatewayPort = gateway.port();
    this.gatewayHealthPort = gateway.healthPort();
    Consumer<Peering.Builder> timings =
        b ->
            options.accept(
                b.heartbeatInterval(HEARTBEAT)
                    .exportDebounce(Duration.ofMillis(20))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                    .dialCheckInterval(Duration.ofMillis(50)));
    this.controllers =
        ControllerFixture.start(
            name,
            ca,
            replicas,
            b -> {
              PeeringExtension e =
                  PeeringExtension.of("127.0.0.1", gatewayPort, gatewayHealthPort, timings);
              extensions.add(e);
              b.extension(e);
              replica.accept(b);
            });
    FederationController first = controllers.first();
    this.bundles = first.context().bundles();
    this.catalog = first.catalog();
    this.controllerTls = first.context().tls();
    this.peering = extensions.get(0).peering();
    gateway.update(gatewaySnapshot());
  }

  private EastWestGateway.Builder gatewayBuilder(ProxySnapshot routes) {
    return EastWestGateway.builder(routes)
        .host("127.0.0.1")
        .adminPort(0)
        .healthHost("127.0.0.1")
        .peerTls(
            MeshTls.builder(
                    svid(SystemIdentities.gateway(trustDomain)),
                    d -> bundles == null ? Optional.empty() : bundles.get(d))
                .build());
  }

  /** Starts the gateway again on its ports, routing to the replicas registered now. */
  public void restartGateway() throws Exception {
    gateway =
        await(
            gatewayBuilder(gatewaySnapshot())
                .port(gatewayPort)
                .healthPort(gatewayHealthPort)
                .build()
                .start(vertx));
  }

  private ProxySnapshot emptySnapshot() {
    return new ProxySnapshot(1, name, locality, Map.of(), Map.of(), AuthorizationPolicy.ALLOW_MESH);
  }

  /** Stops the gateway at once, cutting the connections through it. */
  public void stopGateway() throws Exception {
    await(gateway.close());
  }

  /**
   * The gateway's routes: the exported controller services of the catalog, as the push has them.
   */
  private ProxySnapshot gatewaySnapshot() {
    Map<ServiceName, Service> services = new HashMap<>();
    for (String svc :
        List.of(FederationController.PEERING_SERVICE, FederationController.BOOTSTRAP_SERVICE)) {
      ServiceEntry s = catalog.service(SystemIdentities.NAMESPACE, svc).orElseThrow();
      List<ServicePort> ports = new ArrayList<>();
      for (PortEntry p : s.ports()) {
        ports.add(new ServicePort(p.name(), p.port(), Protocol.TCP));
      }
      List<Endpoint> endpoints = new ArrayList<>();
      for (EndpointEntry e : catalog.endpoints(SystemIdentities.NAMESPACE, svc)) {
        endpoints.add(
            Endpoint.local(e.id(), e.host(), e.port(), locality).withTcpPort(e.tcpPort()));
      }
      ServiceName n = new ServiceName(svc, SystemIdentities.NAMESPACE);
      services.put(
          n,
          new Service(
              n, ports, List.of(SystemIdentities.controller(trustDomain)), true, endpoints));
    }
    return new ProxySnapshot(1, name, locality, services, Map.of(), AuthorizationPolicy.ALLOW_MESH);
  }

  public Svid svid(SpiffeId id) {
    return SvidIssuer.issueLocally(ca, id, KeyAlgorithm.EC_P256, SvidIssuer.DEFAULT_TTL);
  }

  /**
   * Adds an exported (or not) service with {@code healthy} of {@code total} endpoints in zone a.
   */
  public void service(String svc, boolean exported, int port, int healthy, int total) {
    catalog.putService(
        new ServiceEntry(
            "default",
            svc,
            List.of(new PortEntry("http", port, "http")),
            List.of(trustDomain.workload("default", svc).toString()),
            exported));
    for (int i = 0; i < total; i++) {
      catalog.putEndpoint(
          new EndpointEntry(
              "default",
              svc,
              svc + "-" + i,
              "127.0.0.1",
              15006 + i,
              name,
              name + "-a",
              1,
              i < healthy));
    }
  }

  public String token() throws Exception {
    return await(peering.issueToken(Duration.ofMinutes(5))).encode();
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      if (gateway != null) {
        await(gateway.close());
      }
    } finally {
      try {
        controllers.close();
      } finally {
        await(vertx.close());
      }
    }
  }
}
