package io.fedmesh.sidecar.outbound;

import static io.fedmesh.sidecar.FederatedIdentities.EAST_A;
import static io.fedmesh.sidecar.FederatedIdentities.WEST_A;
import static io.fedmesh.sidecar.FederatedIdentities.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationPolicy.Action;
import io.fedmesh.proxy.model.AuthorizationRule;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.sidecar.FederatedIdentities;
import io.fedmesh.sidecar.health.EndpointProber;
import io.fedmesh.sidecar.inbound.TcpInbound;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Raw TCP by port, on real sockets and real mTLS, two clusters on loopback with their own CAs and
 * federated bundles: app → {@link TcpOutbound} (us-east) → mTLS, straight or through us-west's
 * east-west gateway by SNI → {@link TcpInbound} → app. The apps are blocking Java echo servers that
 * echo every byte and, when the caller half-closes, answer a trailer naming their cluster after the
 * echo and then close: so a trailer proves the FIN crossed and the reply still came back. Every
 * server workload runs as {@code sa/store}, which serves db, ledger and cache.
 */
class TcpIT {
  private static final ServiceName DB = new ServiceName("db", "default");
  private static final ServiceName LEDGER = new ServiceName("ledger", "default");
  private static final ServiceName CACHE = new ServiceName("cache", "default");
  private static final int DB_PORT = 5432;
  private static final int LEDGER_PORT = 7000;
  private static final int CACHE_PORT = 6379;
  private static final SpiffeId FRONTEND =
      SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/frontend");
  private final FederatedIdentities mesh = new FederatedIdentities();
  private final SimpleMeterRegistry eastMeters = new SimpleMeterRegistry();
  private final SimpleMeterRegistry westMeters = new SimpleMeterRegistry();
  private final AtomicReference<AuthorizationPolicy> westPolicy =
      new AtomicReference<>(AuthorizationPolicy.ALLOW_MESH);
  private final List<ServerSocket> apps = new ArrayList<>();
  private Vertx vertx;
  private TcpInbound eastInbound;
  private TcpOutbound outbound;
  private EastWestGateway gateway;
  private int eastTcp;
  private int westTcp;

  /** A blocking echo server; on the caller's FIN it writes "|{@code name}-saw-eof" and closes. */
  private int echoApp(String name) throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    apps.add(ss);
    Thread acceptor =
        new Thread(
            () -> {
              while (!ss.isClosed()) {
                try {
                  Socket s = ss.accept();
                  Thread t = new Thread(() -> echo(s, name), "echo-" + name);
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "accept-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
    return ss.getLocalPort();
  }

  private static void echo(Socket s, String name) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) != -1) {
        out.write(buf, 0, n);
      }
      out.write(("|" + name + "-saw-eof").getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      // the caller went away
    }
  }

  private static Service service(ServiceName name, int port, boolean exported, List<Endpoint> eps) {
    return new Service(
        name,
        List.of(new ServicePort("tcp", port, Protocol.TCP)),
        List.of(
            SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/store"),
            SpiffeId.parse("spiffe://us-west.fedmesh.local/ns/default/sa/store")),
        exported,
        eps);
  }

  private static Endpoint local(String id, int tcpPort, Locality locality) {
    // port is the HTTP inbound port, unused here: these workloads only serve TCP.
    return Endpoint.local(id, "127.0.0.1", 15006, locality).withTcpPort(tcpPort);
  }

  private Endpoint viaGateway(ServiceName name, int port) {
    return new Endpoint(
        "us-west/us-west-1a",
        "127.0.0.1",
        gateway.port(),
        WEST_A,
        1,
        true,
        Optional.of(name.name() + "." + name.namespace() + "." + port + ".us-west.fedmesh"));
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // us-west: db and ledger, one workload each, behind one TCP inbound; both exported.
    var westTls = mesh.west("/ns/default/sa/store");
    westTcp =
        await(
            TcpInbound.builder(vertx, westTls)
                .appPort(DB_PORT, echoApp("west"))
                .appPort(LEDGER_PORT, echoApp("west-ledger"))
                .policy(westPolicy::get)
                .meterRegistry(westMeters)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    Map<ServiceName, Service> west =
        Map.of(
            DB,
            service(DB, DB_PORT, true, List.of(local("db-w1", westTcp, WEST_A))),
            LEDGER,
            service(LEDGER, LEDGER_PORT, true, List.of(local("ledger-w1", westTcp, WEST_A))));
    gateway =
        await(
            EastWestGateway.builder(
                    new ProxySnapshot(
                        1, "us-west", WEST_A, west, Map.of(), AuthorizationPolicy.ALLOW_MESH))
                .host("127.0.0.1")
                .port(0)
                .adminPort(0)
                .build()
                .start(vertx));
    // us-east: a local db replica; ledger only in us-west.
    eastInbound =
        TcpInbound.builder(vertx, mesh.east("/ns/default/sa/store"))
            .appPort(DB_PORT, echoApp("east"))
            .listen("127.0.0.1", 0)
            .build();
    eastTcp = await(eastInbound.start());
    outbound =
        TcpOutbound.builder(vertx, mesh.east("/ns/default/sa/frontend"))
            .listenPort(DB, DB_PORT, 0)
            .listenPort(LEDGER, LEDGER_PORT, 0)
            .listenPort(CACHE, CACHE_PORT, 0)
            .meterRegistry(eastMeters)
            .build();
    await(outbound.update(eastView(1, List.of())));
  }

  private ProxySnapshot eastView(long version, List<Service> more) {
    Map<ServiceName, Service> services = new java.util.HashMap<>();
    services.put(
        DB,
        service(
            DB, DB_PORT, true, List.of(local("db-e1", eastTcp, EAST_A), viaGateway(DB, DB_PORT))));
    services.put(
        LEDGER, service(LEDGER, LEDGER_PORT, false, List.of(viaGateway(LEDGER, LEDGER_PORT))));
    for (Service s : more) {
      services.put(s.name(), s);
    }
    return new ProxySnapshot(
        version, "us-east", EAST_A, services, Map.of(), AuthorizationPolicy.ALLOW_MESH);
  }

  @AfterEach
  void stop() throws Exception {
    for (ServerSocket ss : apps) {
      ss.close();
    }
    await(vertx.close());
  }

  private int outboundPort(ServiceName service, int port) {
    return outbound.boundPort(service, port).orElseThrow();
  }

  /**
   * Connects to {@code port}, sends {@code payload} while reading, half-closes, and returns all
   * bytes received until the other side closed.
   */
  private static byte[] exchange(int port, byte[] payload) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      CompletableFuture<byte[]> received =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return s.getInputStream().readAllBytes();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      OutputStream out = s.getOutputStream();
      for (int off = 0; off < payload.length; off += 32 * 1024) {
        out.write(payload, off, Math.min(32 * 1024, payload.length - off));
      }
      out.flush();
      s.shutdownOutput();
      return received.get(30, TimeUnit.SECONDS);
    }
  }

  private static byte[] concat(byte[] a, String tail) {
    byte[] t = tail.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[a.length + t.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(t, 0, out, a.length, t.length);
    return out;
  }

  private double counter(SimpleMeterRegistry r, String name, String... tags) {
    var c = r.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void sameClusterPathCarriesSeveralMegabytesBothWaysIntact() throws Exception {
    byte[] payload = Payloads.random(6 << 20);
    byte[] got = exchange(outboundPort(DB, DB_PORT), payload);
    Payloads.assertSameBytes(got, concat(payload, "|east-saw-eof"));
    assertThat(counter(eastMeters, TcpOutbound.METRIC_BYTES, "direction", "sent"))
        .isEqualTo(payload.length);
    assertThat(
            counter(
                eastMeters,
                TcpOutbound.METRIC_CONNECTIONS,
                "destination_cluster",
                "us-east",
                "result",
                "connected"))
        .isEqualTo(1);
  }

  @Test
  void crossClusterPathThroughTheGatewayCarriesSeveralMegabytesBothWaysIntact() throws Exception {
    byte[] payload = Payloads.random(5 << 20);
    byte[] got = exchange(outboundPort(LEDGER, LEDGER_PORT), payload);
    Payloads.assertSameBytes(got, concat(payload, "|west-ledger-saw-eof"));
    assertThat(
            counter(
                westMeters,
                TcpInbound.METRIC_CONNECTIONS,
                "source_trust_domain",
                "us-east.fedmesh.local",
                "destination_port",
                "7000",
                "decision",
                "allowed"))
        .isEqualTo(1);
    assertThat(counter(westMeters, TcpInbound.METRIC_BYTES, "direction", "in"))
        .isEqualTo(payload.length);
  }

  @Test
  void halfCloseReachesTheServerAppAndItsReplyStillComesBack() throws Exception {
    try (Socket s =
        new Socket(InetAddress.getLoopbackAddress(), outboundPort(LEDGER, LEDGER_PORT))) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] echoed = s.getInputStream().readNBytes(4);
      assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("ping");
      // Still open both ways; now our FIN: the app sees EOF only now, and its answer arrives.
      s.shutdownOutput();
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("|west-ledger-saw-eof");
    }
  }

  @Test
  void denyRuleByPrincipalClosesTheConnectionBeforeAnyByteAndCountsTheReason() throws Exception {
    westPolicy.set(
        new AuthorizationPolicy(
            Action.ALLOW,
            List.of(
                new AuthorizationRule(
                    "no-frontend",
                    Action.DENY,
                    List.of(FRONTEND.toString()),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()))));
    assertThat(
            exchange(
                outboundPort(LEDGER, LEDGER_PORT), "hello".getBytes(StandardCharsets.US_ASCII)))
        .isEmpty();
    assertThat(
            counter(
                westMeters,
                TcpInbound.METRIC_CONNECTIONS,
                "source_trust_domain",
                "us-east.fedmesh.local",
                "decision",
                "denied"))
        .isEqualTo(1);
  }

  @Test
  void ruleWithMethodsOrPathsNeverMatchesATcpConnection() throws Exception {
    // Default deny; the only ALLOW rule names the caller but also a method: TCP has none.
    westPolicy.set(
        new AuthorizationPolicy(
            Action.DENY,
            List.of(
                new AuthorizationRule(
                    "frontend-get",
                    Action.ALLOW,
                    List.of(FRONTEND.toString()),
                    List.of(),
                    List.of(),
                    List.of("GET"),
                    List.of()))));
    assertThat(
            exchange(
                outboundPort(LEDGER, LEDGER_PORT), "hello".getBytes(StandardCharsets.US_ASCII)))
        .isEmpty();
    assertThat(counter(westMeters, TcpInbound.METRIC_CONNECTIONS, "decision", "denied"))
        .isEqualTo(1);
    // The same rule without the method lets the connection through.
    westPolicy.set(
        new AuthorizationPolicy(
            Action.DENY,
            List.of(
                new AuthorizationRule(
                    "frontend",
                    Action.ALLOW,
                    List.of(FRONTEND.toString()),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()))));
    assertThat(
            new String(
                exchange(
                    outboundPort(LEDGER, LEDGER_PORT), "hi".getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.US_ASCII))
        .isEqualTo("hi|west-ledger-saw-eof");
  }

  @Test
  void unreachableLocalEndpointFailsOverToTheOtherCluster() throws Exception {
    await(eastInbound.close());
    for (int i = 0; i < 5; i++) {
      assertThat(
              new String(
                  exchange(
                      outboundPort(DB, DB_PORT), ("m" + i).getBytes(StandardCharsets.US_ASCII)),
                  StandardCharsets.US_ASCII))
          .isEqualTo("m" + i + "|west-saw-eof");
    }
    assertThat(counter(eastMeters, "fedmesh.outbound.retries", "destination_service", "default/db"))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            counter(
                eastMeters,
                TcpOutbound.METRIC_CONNECTIONS,
                "destination_cluster",
                "us-west",
                "result",
                "connected"))
        .isEqualTo(5);
  }

  @Test
  void anEndpointFailingItsHealthCheckGetsNoConnectionAttempt() throws Exception {
    ProxySnapshot view = eastView(1, List.of());
    EndpointProber prober =
        EndpointProber.builder(vertx, mesh.east("/ns/default/sa/frontend"), () -> view).build();
    prober.start();
    TcpOutbound probed =
        TcpOutbound.builder(vertx, mesh.east("/ns/default/sa/frontend"))
            .listenPort(DB, DB_PORT, 0)
            .meterRegistry(eastMeters)
            .prober(prober)
            .build();
    await(probed.update(view));
    Endpoint local = view.service(DB).orElseThrow().endpoints().get(0);
    await(eastInbound.close());
    // The prober's TLS handshakes to the dead inbound fail; the endpoint turns unhealthy.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> !prober.checker(view, DB).orElseThrow().isHealthy(local));
    await(probed.update(view));
    double retriesBefore =
        counter(eastMeters, "fedmesh.outbound.retries", "destination_service", "default/db");
    int port = probed.boundPort(DB, DB_PORT).orElseThrow();
    for (int i = 0; i < 5; i++) {
      assertThat(
              new String(
                  exchange(port, ("h" + i).getBytes(StandardCharsets.US_ASCII)),
                  StandardCharsets.US_ASCII))
          .isEqualTo("h" + i + "|west-saw-eof");
    }
    // Straight to us-west: not one try went to the unhealthy local endpoint first.
    assertThat(counter(eastMeters, "fedmesh.outbound.retries", "destination_service", "default/db"))
        .isEqualTo(retriesBefore);
    await(prober.close());
  }

  @Test
  void configReloadOpensANewTcpListenerAndClosesARemovedOne() throws Exception {
    assertThat(outbound.boundPort(CACHE, CACHE_PORT)).isEmpty();
    int cacheApp = echoApp("cache");
    TcpInbound cacheInbound =
        TcpInbound.builder(vertx, mesh.east("/ns/default/sa/store"))
            .appPort(CACHE_PORT, cacheApp)
            .listen("127.0.0.1", 0)
            .build();
    int cacheTcp = await(cacheInbound.start());
    Service cache = service(CACHE, CACHE_PORT, false, List.of(local("cache-1", cacheTcp, EAST_A)));
    await(outbound.update(eastView(2, List.of(cache))));
    int port = outbound.boundPort(CACHE, CACHE_PORT).orElseThrow();
    assertThat(
            new String(
                exchange(port, "get k".getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.US_ASCII))
        .isEqualTo("get k|cache-saw-eof");

    await(outbound.update(eastView(3, List.of())));
    assertThat(outbound.boundPort(CACHE, CACHE_PORT)).isEmpty();
    // The port is freed: we can bind it ourselves. Soon, not at once: with Java NIO the socket of
    // a closed listener is released at the selector's next wake-up, after close() has completed
    // (netty/netty#8697); a connect attempt is no proof either (a client whose ephemeral port
    // equals
    // the freed port connects to itself on Linux).
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .ignoreException(java.net.BindException.class)
        .until(
            () -> {
              try (java.net.ServerSocket rebound =
                  new java.net.ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return rebound.getLocalPort() == port;
              }
            });
  }
}
