package io.fedmesh.controller.peering;

import com.hazelcast.core.HazelcastInstance;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.CatalogMember;
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
import io.fedmesh.testing.FreePorts;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.grpc.server.GrpcServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One cluster's control plane on loopback for peering tests: its own CA and trust domain, a real
 * Hazelcast member holding its catalog, a controller listener (real TLS, gRPC) serving Peering, and
 * a real east-west gateway that routes {@code fedmesh-controller.fedmesh-system.<port>.<cluster>}
 * to that listener and serves its mTLS {@code /health}.
 *
 * <p>The listener requests (does not require) a client certificate, so the one port serves both the
 * bootstrap call (no certificate) and the mTLS stream (Exchange checks the peer itself): the
 * gateway routes every port of a service to the endpoint's one port.
 */
public final class PeerCluster implements AutoCloseable {
  public static final Duration HEARTBEAT = Duration.ofMillis(100);

  public final String name;
  public final TrustDomain trustDomain;
  public final CertificateAuthority ca;
  public final Vertx vertx;
  public final HazelcastInstance member;
  public final Catalog catalog;
  public final MeshTls controllerTls;
  public final HttpServer listener;
  public EastWestGateway gateway;
  private final int controllerPort;
  private final int gatewayPort;
  private final int gatewayHealthPort;
  public final Peering peering;
  public final Locality locality;

  public PeerCluster(String name) throws Exception {
    this(name, b -> {});
  }

  public PeerCluster(String name, Consumer<Peering.Builder> options) throws Exception {
    this.name = name;
    this.trustDomain = TrustDomain.of(name + ".fedmesh.local");
    this.ca = CertificateAuthority.builder(trustDomain).build();
    this.locality = new Locality(name, name + "-a", name);
    this.vertx = Vertx.vertx();
    int hz = FreePorts.take(1).get(0);
    this.member =
        new CatalogMember(name + "-" + hz, "127.0.0.1", hz, List.of("127.0.0.1:" + hz)).start();
    this.catalog = Catalog.of(member);
    catalog.putBundle(TrustBundle.of(trustDomain, List.of(ca.root()), 1, null));
    this.controllerTls =
        MeshTls.builder(svid(LocalCluster.controllerId(trustDomain)), catalog::bundle).build();
    GrpcServer grpc = GrpcServer.server(vertx);
    ServerSSLOptions ssl = controllerTls.serverOptions(List.of("h2"));
    HttpServerOptions listen =
        new HttpServerOptions()
            .setHost("127.0.0.1")
            .setPort(0)
            .setSsl(true)
            .setUseAlpn(true)
            .setKeyCertOptions(ssl.getKeyCertOptions())
            .setTrustOptions(ssl.getTrustOptions())
            .setClientAuth(ClientAuth.REQUEST);
    this.listener = await(vertx.createHttpServer(listen).requestHandler(grpc).listen());
    int port = listener.actualPort();
    this.controllerPort = port;
    List<Integer> gw = FreePorts.take(2);
    this.gatewayPort = gw.get(0);
    this.gatewayHealthPort = gw.get(1);
    restartGateway();
    LocalCluster self =
        new LocalCluster(
            name, trustDomain, "127.0.0.1", gateway.port(), gateway.healthPort(), port, port);
    Peering.Builder b =
        Peering.builder(vertx, catalog, self, controllerTls)
            .heartbeatInterval(HEARTBEAT)
            .exportDebounce(Duration.ofMillis(20))
            .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
            .dialCheckInterval(Duration.ofMillis(50));
    options.accept(b);
    this.peering = b.build();
    peering.mtlsService().bind(grpc);
    peering.bootstrapService().bind(grpc);
    peering.start();
  }

  /** Starts the gateway (again) on its ports. */
  public void restartGateway() throws Exception {
    gateway =
        await(
            EastWestGateway.builder(gatewaySnapshot(controllerPort))
                .host("127.0.0.1")
                .port(gatewayPort)
                .adminPort(0)
                .healthHost("127.0.0.1")
                .healthPort(gatewayHealthPort)
                .peerTls(
                    MeshTls.builder(
                            svid(trustDomain.workload("fedmesh-system", "east-west-gateway")),
                            catalog::bundle)
                        .build())
                .build()
                .start(vertx));
  }

  /** Stops the gateway at once, cutting the connections through it. */
  public void stopGateway() throws Exception {
    await(gateway.close());
  }

  private ProxySnapshot gatewaySnapshot(int controllerPort) {
    ServiceName controller =
        new ServiceName(LocalCluster.CONTROLLER_SERVICE, LocalCluster.SYSTEM_NAMESPACE);
    Service s =
        new Service(
            controller,
            List.of(new ServicePort("peering", controllerPort, Protocol.TCP)),
            List.of(LocalCluster.controllerId(trustDomain)),
            true,
            List.of(Endpoint.local("controller-0", "127.0.0.1", controllerPort, locality)));
    return new ProxySnapshot(
        1, name, locality, Map.of(controller, s), Map.of(), AuthorizationPolicy.ALLOW_MESH);
  }

  public io.fedmesh.trust.svid.Svid svid(SpiffeId id) {
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
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      await(peering.close());
      await(vertx.close());
    } finally {
      member.shutdown();
    }
  }
}
