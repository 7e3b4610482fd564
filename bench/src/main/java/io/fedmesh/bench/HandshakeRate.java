package io.fedmesh.bench;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.fedmesh.trust.tls.TlsEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Full mTLS handshakes per second over loopback: a client opens, completes the handshake, and
 * closes connections with a fixed number in flight, for a fixed time. Both sides run the chosen
 * engine, with P-256 SVIDs from two federated trust domains, as the mesh does.
 */
final class HandshakeRate {
  private HandshakeRate() {}

  static Svid svid(CertificateAuthority ca, String path) {
    return SvidIssuer.issueLocally(
        ca,
        io.fedmesh.trust.spiffe.SpiffeId.parse(ca.trustDomain().idString() + path),
        KeyAlgorithm.EC_P256,
        SvidIssuer.DEFAULT_TTL);
  }

  /** Handshakes per second for {@code engine}, over {@code duration} with {@code inFlight}. */
  static double measure(TlsEngine engine, Duration duration, int inFlight) throws Exception {
    CertificateAuthority east = CertificateAuthority.builder(TrustDomain.of("east.bench")).build();
    CertificateAuthority west = CertificateAuthority.builder(TrustDomain.of("west.bench")).build();
    BundleSet bundles =
        BundleSet.builder(TrustBundle.of(east.trustDomain(), List.of(east.root()), 1, null))
            .add(TrustBundle.of(west.trustDomain(), List.of(west.root()), 1, null))
            .build();
    MeshTls serverTls =
        MeshTls.builder(svid(west, "/ns/default/sa/server"), bundles).engine(engine).build();
    MeshTls clientTls =
        MeshTls.builder(svid(east, "/ns/default/sa/client"), bundles).engine(engine).build();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      NetServer server = vertx.createNetServer(serverTls.configureServer(new NetServerOptions()));
      server.connectHandler(so -> so.close());
      int port = await(server.listen(0, "127.0.0.1")).actualPort();
      NetClient client =
          vertx.createNetClient(clientTls.configureClient(new NetClientOptions(), id -> true));
      AtomicLong done = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      long end = System.nanoTime() + duration.toNanos();
      CountDownLatch finished = new CountDownLatch(inFlight);
      for (int i = 0; i < inFlight; i++) {
        loop(client, port, end, done, failed, finished);
      }
      long start = System.nanoTime();
      finished.await(duration.toSeconds() + 30, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (failed.get() > 0) {
        throw new IllegalStateException(failed.get() + " handshakes failed with " + engine);
      }
      return done.get() / seconds;
    } finally {
      await(vertx.close());
    }
  }

  private static void loop(
      NetClient client,
      int port,
      long end,
      AtomicLong done,
      AtomicLong failed,
      CountDownLatch finished) {
    if (System.nanoTime() >= end) {
      finished.countDown();
      return;
    }
    client
        .connect(port, "127.0.0.1")
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                done.incrementAndGet();
                ar.result().close();
              } else {
                failed.incrementAndGet();
              }
              loop(client, port, end, done, failed, finished);
            });
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
