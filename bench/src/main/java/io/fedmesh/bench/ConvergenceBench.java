package io.fedmesh.bench;

import io.fedmesh.api.v1.DiscoveryRequest;
import io.fedmesh.api.v1.DiscoveryResponse;
import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyDiscoveryGrpcClient;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.api.v1.Resource;
import io.fedmesh.controller.FederationController;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.proxy.push.ControllerClient;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Push convergence, in one JVM: one controller replica (a real Hazelcast member) holding {@code
 * --endpoints} endpoints across 100 services, and {@code --proxies} simulated sidecars, each a real
 * {@code ProxyDiscovery.Stream} over mTLS with its own SVID that ACKs every response at once. Each
 * change adds one endpoint to one service; the time from the catalog write until each proxy has
 * received the response carrying it is recorded (HdrHistogram, all proxies × all changes), with the
 * bytes pushed per change and the process CPU per change. Changes go one at a time (the next after
 * every proxy has the previous one). Writes {@code convergence.md} ({@code convergence-smoke.md}
 * with {@code --smoke}) to {@code $FEDMESH_BENCH_RESULTS}, default {@code bench/results}.
 */
public final class ConvergenceBench {
  private ConvergenceBench() {}

  public static void main(String[] args) throws Exception {
    List<String> a = List.of(args);
    boolean smoke = a.contains("--smoke");
    int proxies = intArg(a, "--proxies", smoke ? 10 : 100);
    int endpoints = intArg(a, "--endpoints", smoke ? 500 : 10_000);
    int changes = intArg(a, "--changes", smoke ? 5 : 100);
    int services = Math.min(100, endpoints);
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);

    CertificateAuthority ca =
        CertificateAuthority.builder(TrustDomain.of("bench.fedmesh.local")).build();
    int catalogPort;
    try (ServerSocket s = new ServerSocket(0)) {
      catalogPort = s.getLocalPort();
    }
    FederationController controller =
        FederationController.builder("bench", ca)
            .catalogPort(catalogPort)
            .build()
            .start()
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    Catalog catalog = controller.catalog();
    long loadStart = System.nanoTime();
    for (int s = 0; s < services; s++) {
      catalog.putService(
          new ServiceEntry(
              "bench",
              "svc-" + s,
              List.of(new PortEntry("http", 8080, "http")),
              List.of("spiffe://bench.fedmesh.local/ns/bench/sa/svc-" + s),
              false));
    }
    for (int e = 0; e < endpoints; e++) {
      catalog.putEndpoint(endpoint(e % services, "ep-" + e, e % 250));
    }
    out.printf(
        Locale.ROOT,
        "catalog: %d services, %d endpoints loaded in %d ms%n",
        services,
        endpoints,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadStart));

    Vertx vertx = Vertx.vertx();
    BundleSet bundles = BundleSet.of(TrustBundle.of(ca.trustDomain(), List.of(ca.root()), 1, null));
    SocketAddress target = SocketAddress.inetSocketAddress(controller.mtlsPort(), "127.0.0.1");
    List<Sim> sims = new ArrayList<>();
    CountDownLatch connected = new CountDownLatch(proxies);
    for (int i = 0; i < proxies; i++) {
      Sim sim = new Sim(i);
      sims.add(sim);
      MeshTls tls =
          MeshTls.builder(
                  SvidIssuer.issueLocally(
                      ca,
                      ca.trustDomain().workload("bench", "proxy-" + i),
                      KeyAlgorithm.EC_P256,
                      Duration.ofHours(1)),
                  bundles)
              .build();
      sim.client =
          GrpcClient.client(
              vertx,
              new io.vertx.grpc.client.GrpcClientOptions()
                  .setMaxMessageSize(ControllerClient.MAX_MESSAGE_BYTES),
              tls.configureClient(new HttpClientOptions(), id -> true)
                  .setProtocolVersion(HttpVersion.HTTP_2)
                  .setUseAlpn(true));
      sim.start(target, connected);
    }
    if (!connected.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("not every proxy got its first snapshot within 120 s");
    }
    long firstBytes = sims.stream().mapToLong(s -> s.bytes.get()).sum() / proxies;
    out.printf(
        Locale.ROOT, "%d proxies connected, full snapshot %d bytes each%n", proxies, firstBytes);

    Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    long bytesBefore = sims.stream().mapToLong(s -> s.bytes.get()).sum();
    long cpuBefore = processCpuNanos();
    long wallBefore = System.nanoTime();
    for (int c = 0; c < changes; c++) {
      String marker = "chg-" + c;
      CountDownLatch seen = new CountDownLatch(proxies);
      for (Sim s : sims) {
        s.expect(marker, seen);
      }
      long t0 = System.nanoTime();
      catalog.putEndpoint(endpoint(c % services, marker, 251 + c % 4));
      if (!seen.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("change " + c + " did not reach every proxy within 30 s");
      }
      for (Sim s : sims) {
        latency.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(s.seenAt - t0)));
      }
    }
    long wall = System.nanoTime() - wallBefore;
    long cpu = processCpuNanos() - cpuBefore;
    long bytes = sims.stream().mapToLong(s -> s.bytes.get()).sum() - bytesBefore;

    String md =
        report(proxies, endpoints, services, changes, smoke, latency, bytes, cpu, wall, firstBytes);
    // A smoke run never overwrites the real figures.
    Path file =
        Path.of(System.getenv().getOrDefault("FEDMESH_BENCH_RESULTS", "bench/results"))
            .resolve(smoke ? "convergence-smoke.md" : "convergence.md");
    Files.createDirectories(file.getParent());
    Files.writeString(file, md);
    out.print(md);
    for (Sim s : sims) {
      s.client.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    controller.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static long processCpuNanos() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .orElseThrow(() -> new IllegalStateException("this OS reports no process CPU time"))
        .toNanos();
  }

  private static EndpointEntry endpoint(int service, String id, int hostByte) {
    return new EndpointEntry(
        "bench", "svc-" + service, id, "10.0.0." + hostByte, 15006, "bench", "bench-a", 1, true);
  }

  private static String report(
      int proxies,
      int endpoints,
      int services,
      int changes,
      boolean smoke,
      Histogram latency,
      long bytes,
      long cpuNanos,
      long wallNanos,
      long fullSnapshotBytes) {
    StringBuilder md = new StringBuilder();
    md.append("# Push convergence\n\n");
    md.append("Run ")
        .append(Instant.now())
        .append(" on ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, Java ")
        .append(System.getProperty("java.version"))
        .append("\n\n");
    md.append("Command: `bench/run-convergence.sh")
        .append(smoke ? " --smoke` (numbers meaningless)" : "`")
        .append("\n\n");
    md.append("One controller replica (Hazelcast member), ")
        .append(endpoints)
        .append(" endpoints in ")
        .append(services)
        .append(" services, ")
        .append(proxies)
        .append(" simulated sidecars (real gRPC streams over mTLS, one SVID each, ACK at once), ")
        .append(changes)
        .append(" changes one after another (each adds one endpoint to one service). Latency: ")
        .append("catalog write → response carrying the change received by a proxy, over every ")
        .append("proxy × change. Debounce 20 ms (included).\n\n");
    md.append("| figure | value |\n|---|---|\n");
    md.append(row("convergence p50", ms(latency.getValueAtPercentile(50))));
    md.append(row("convergence p99", ms(latency.getValueAtPercentile(99))));
    md.append(row("convergence max", ms(latency.getMaxValue())));
    md.append(
        row(
            "push bytes per change, per proxy",
            String.format(Locale.ROOT, "%d", bytes / Math.max(1, (long) changes * proxies))));
    md.append(
        row(
            "push bytes per change, all proxies",
            String.format(Locale.ROOT, "%d", bytes / Math.max(1, changes))));
    md.append(row("full snapshot bytes per proxy", Long.toString(fullSnapshotBytes)));
    md.append(
        row(
            "process CPU per change (controller + simulated proxies)",
            String.format(Locale.ROOT, "%.1f ms", cpuNanos / 1e6 / changes)));
    md.append(
        row(
            "process CPU use during the changes",
            String.format(Locale.ROOT, "%.0f%% of one core", 100.0 * cpuNanos / wallNanos)));
    return md.toString();
  }

  private static String row(String k, String v) {
    return "| " + k + " | " + v + " |\n";
  }

  private static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
  }

  private static int intArg(List<String> args, String name, int dflt) {
    int i = args.indexOf(name);
    if (i < 0) {
      return dflt;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + ": missing value (expected: a positive integer)");
    }
    int v = Integer.parseInt(args.get(i + 1));
    if (v < 1) {
      throw new IllegalArgumentException(name + ": " + v + " (expected: a positive integer)");
    }
    return v;
  }

  /** One simulated proxy: a real stream; ACKs everything; notes when a marker arrives. */
  private static final class Sim {
    final int index;
    final AtomicLong bytes = new AtomicLong();
    final ConcurrentHashMap<String, CountDownLatch> waiting = new ConcurrentHashMap<>();
    GrpcClient client;
    volatile long seenAt;
    volatile String marker;

    Sim(int index) {
      this.index = index;
    }

    void expect(String m, CountDownLatch latch) {
      waiting.clear();
      marker = m;
      waiting.put(m, latch);
    }

    void start(SocketAddress target, CountDownLatch connected) {
      client
          .request(target, ProxyDiscoveryGrpcClient.Stream)
          .onSuccess(
              req -> {
                req.response()
                    .onSuccess(
                        resp ->
                            resp.handler(
                                r -> {
                                  received(r, connected);
                                  req.write(
                                      DiscoveryRequest.newBuilder()
                                          .setVersion(r.getVersion())
                                          .setNonce(r.getNonce())
                                          .build());
                                }));
                req.write(
                    DiscoveryRequest.newBuilder()
                        .setNode(
                            Node.newBuilder()
                                .setProxyId("proxy-" + index)
                                .setCluster("bench")
                                .setRegion("bench")
                                .setZone("bench-a")
                                .setKind(ProxyKind.PROXY_KIND_SIDECAR)
                                .setNamespace("bench")
                                .setWorkload("proxy-" + index))
                        .build());
              });
    }

    private void received(DiscoveryResponse r, CountDownLatch connected) {
      long now = System.nanoTime();
      bytes.addAndGet(r.getSerializedSize());
      if (r.getFull()) {
        connected.countDown();
      }
      String m = marker;
      if (m == null) {
        return;
      }
      for (Resource res : r.getResourcesList()) {
        if (res.getBody().contains("\"" + m + "\"")) {
          CountDownLatch l = waiting.remove(m);
          if (l != null) {
            seenAt = now;
            l.countDown();
          }
          return;
        }
      }
    }
  }
}
