package io.fedmesh.trust.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.CaRotation;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.OperatorCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.CertificateRequest;
import io.fedmesh.trust.svid.Svid;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A full CA rotation in both clusters under continuous traffic: one long-lived connection and a
 * stream of new handshakes, east client to west server, and 100 % of requests must succeed
 * (Linkerd's outage linkerd2#4287 came from dropping the old root too early).
 */
class CaRotationIT {
  /** One cluster: its rotation, its issuer, and a workload's TLS. */
  private static final class Cluster {
    final CaRotation rotation;
    final SvidIssuer issuer;

    Cluster(String domain) {
      CertificateAuthority ca = CertificateAuthority.builder(TrustDomain.of(domain)).build();
      rotation = CaRotation.builder(ca).previouslyIssuedUntil(Instant.MIN).build();
      issuer =
          SvidIssuer.builder(rotation::current)
              .attestor(Attestor.operator(op -> Entitlement.anyIn(ca.trustDomain())))
              .listener(rotation.issuanceListener())
              .build();
    }

    Svid svid(String path, Duration ttl) {
      SpiffeId id = SpiffeId.parse(rotation.current().trustDomain().idString() + path);
      CertificateRequest csr = CertificateRequest.create(id, KeyAlgorithm.EC_P256);
      return Svid.of(
          csr.keyPair().getPrivate(), issuer.issue(csr.der(), new OperatorCredential("it"), ttl));
    }

    CertificateAuthority newCa() {
      return CertificateAuthority.builder(rotation.current().trustDomain()).build();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void trafficSucceedsThroughAFullRotationOfBothClusters(TlsEngine engine) throws Exception {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    Cluster east = new Cluster("us-east.fedmesh.local");
    Cluster west = new Cluster("us-west.fedmesh.local");
    // Each workload's bundle set: its own domain plus the other, fed by both rotations.
    BundleSet westSet =
        BundleSet.builder(west.rotation.bundle()).add(east.rotation.bundle()).build();
    BundleSet eastSet =
        BundleSet.builder(east.rotation.bundle()).add(west.rotation.bundle()).build();
    for (Cluster c : List.of(east, west)) {
      c.rotation.addListener(westSet::update);
      c.rotation.addListener(eastSet::update);
    }
    // Short-lived first SVIDs, so the old roots' retirement has to wait for them within the test.
    Duration shortTtl = Duration.ofSeconds(10);
    Svid firstWestSvid = west.svid("/ns/default/sa/reviews", shortTtl);
    MeshTls serverTls =
        MeshTls.builder(firstWestSvid, westSet).engine(engine).meterRegistry(registry).build();
    Svid firstEastSvid = east.svid("/ns/default/sa/frontend", shortTtl);
    Instant firstEastSvidExpiry = firstEastSvid.notAfter();
    // Both workloads renew by then at the latest, as a renewer would, however slow the machine:
    // the waits for traffic between the steps below end early rather than let an SVID expire in
    // use (not-after has second precision, so the first SVIDs may live only 9 s), and each step
    // must still have seen MIN_PER_STEP requests, half of them new handshakes.
    Instant renewBy =
        firstEastSvidExpiry.isBefore(firstWestSvid.notAfter())
            ? firstEastSvidExpiry.minusSeconds(2)
            : firstWestSvid.notAfter().minusSeconds(2);
    MeshTls clientTls =
        MeshTls.builder(firstEastSvid, eastSet).engine(engine).meterRegistry(registry).build();

    Vertx vertx = Vertx.vertx();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    long start = System.nanoTime();
    AtomicBoolean running = new AtomicBoolean(true);
    try {
      NetServer server = vertx.createNetServer(serverTls.configureServer(new NetServerOptions()));
      server.connectHandler(so -> so.handler(b -> so.write(Buffer.buffer("ok:").appendBuffer(b))));
      int port = await(server.listen(0, "127.0.0.1")).actualPort();
      NetClient client =
          vertx.createNetClient(clientTls.configureClient(new NetClientOptions(), id -> true));
      NetSocket live = await(client.connect(port, "127.0.0.1"));

      Thread traffic =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int i = 0;
                while (running.get() && System.nanoTime() < deadline) {
                  i++;
                  try {
                    // Alternate: a request on the live connection, a request on a new one.
                    if (i % 2 == 0) {
                      exchange(live, "live" + i);
                    } else {
                      NetSocket fresh = await(client.connect(port, "127.0.0.1"));
                      exchange(fresh, "new" + i);
                      await(fresh.close());
                    }
                  } catch (Exception | AssertionError e) {
                    failed.incrementAndGet();
                    // Where and when, in the assertion message: CI shows that, not stdout.
                    String where =
                        String.format(
                            "request %d (%s connection) at %d ms, %d ms before the first east"
                                + " SVID's expiry: %s",
                            i,
                            i % 2 == 0 ? "live" : "new",
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                            Duration.between(Instant.now(), firstEastSvidExpiry).toMillis(),
                            e);
                    if (firstFailure.compareAndSet(null, where)) {
                      e.printStackTrace(System.out);
                    }
                  }
                  sent.incrementAndGet();
                }
              },
              "rotation-traffic");
      traffic.start();

      awaitTraffic(sent, renewBy, "before the rotation");
      // 1. Both clusters publish their next root beside the current one.
      CertificateAuthority eastNext = east.newCa();
      CertificateAuthority westNext = west.newCa();
      east.rotation.prepare(eastNext);
      west.rotation.prepare(westNext);
      assertThat(westSet.get(eastNext.trustDomain()).orElseThrow().x509Authorities()).hasSize(2);
      awaitTraffic(sent, renewBy, "with both roots published");

      // 2. Both switch signing; workloads renew onto the new CAs.
      east.rotation.activate();
      west.rotation.activate();
      assertThat(east.rotation.phase()).isEqualTo(CaRotation.Phase.DRAINING);
      serverTls.updateSvid(west.svid("/ns/default/sa/reviews", Duration.ofHours(1)));
      // The step that matters most: new handshakes present the client's SVID from the old east
      // CA, which the server must still trust while the old root drains (linkerd2#4287).
      awaitTraffic(sent, renewBy, "after activation, the client on its old SVID");
      clientTls.updateSvid(east.svid("/ns/default/sa/frontend", Duration.ofHours(1)));
      awaitTraffic(sent, Instant.MAX, "with both workloads renewed");

      // 3. Old roots stay until every SVID they signed has expired, then leave: the old east root
      // must not leave the bundle before the first (short-lived) east SVID expired.
      AtomicReference<Instant> eastRetiredAt = new AtomicReference<>();
      east.rotation.addListener(
          b -> {
            if (b.x509Authorities().size() == 1) {
              eastRetiredAt.compareAndSet(null, Instant.now());
            }
          });
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                east.rotation.retireExpired();
                west.rotation.retireExpired();
                return east.rotation.phase() == CaRotation.Phase.STEADY
                    && west.rotation.phase() == CaRotation.Phase.STEADY;
              });
      assertThat(eastRetiredAt.get()).isAfterOrEqualTo(firstEastSvidExpiry);
      TrustBundle eastBundle = westSet.get(eastNext.trustDomain()).orElseThrow();
      assertThat(eastBundle.x509Authorities()).containsExactly(eastNext.root());
      // initial, prepare, retire: activation reorders the roots but changes none
      assertThat(eastBundle.sequence()).isEqualTo(3);
      awaitTraffic(sent, Instant.MAX, "after retirement");
      running.set(false);
      traffic.join(10_000);
    } finally {
      running.set(false);
      await(vertx.close());
    }
    System.out.println(registry.getMetersAsString());
    assertThat(failed.get())
        .as("failed requests of %d; first failure: %s", sent.get(), firstFailure.get())
        .isZero();
  }

  /** Requests each step waits for, if the first SVIDs' expiry allows. */
  private static final int PER_STEP = 20;

  /** Requests each step must have seen (every other one a new connection, so a handshake). */
  private static final int MIN_PER_STEP = 6;

  /**
   * Waits for {@link #PER_STEP} more requests, or until {@code until}, whichever comes first (at
   * most 10 s), and fails unless at least {@link #MIN_PER_STEP} were made: a step that saw no
   * handshake would prove nothing.
   */
  private static void awaitTraffic(AtomicInteger sent, Instant until, String step) {
    int mark = sent.get();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sent.get() >= mark + PER_STEP || !Instant.now().isBefore(until));
    assertThat(sent.get() - mark)
        .as(
            "requests %s before the first SVIDs came within 2 s of expiry: this machine is too"
                + " slow for the test's short SVIDs (raise shortTtl)",
            step)
        .isGreaterThanOrEqualTo(MIN_PER_STEP);
  }

  private static void exchange(NetSocket so, String msg) throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    so.handler(b -> reply.complete(b.toString(StandardCharsets.UTF_8)));
    so.closeHandler(v -> reply.completeExceptionally(new java.io.IOException("closed")));
    so.write(msg);
    assertThat(reply.get(5, TimeUnit.SECONDS)).isEqualTo("ok:" + msg);
  }
}
