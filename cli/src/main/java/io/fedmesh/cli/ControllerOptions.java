package io.fedmesh.cli;

import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.push.ControlledProxy;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * The options of a proxy that gets its SVID and config from its cluster's controllers instead of
 * files: {@code --controller}, {@code --bootstrap}, {@code --join-token}, {@code --spiffe-id},
 * {@code --ca-bundle}, {@code --cluster}, {@code --region}, {@code --zone}.
 */
final class ControllerOptions {
  @Option(
      names = "--controller",
      split = ",",
      paramLabel = "HOST:PORT",
      description = "Controller replicas' mTLS addresses (push, renewal); comma-separated.")
  List<String> controllers = new ArrayList<>();

  @Option(
      names = "--bootstrap",
      split = ",",
      paramLabel = "HOST:PORT",
      description = "Controller replicas' bootstrap addresses (join-token signing).")
  List<String> bootstrap = new ArrayList<>();

  @Option(names = "--join-token", paramLabel = "TOKEN", description = "A join token for the ID.")
  String joinToken;

  @Option(names = "--spiffe-id", paramLabel = "ID", description = "The SPIFFE ID to run as.")
  String spiffeId;

  @Option(
      names = "--ca-bundle",
      paramLabel = "FILE",
      description = "The cluster's trust bundle (SPIFFE JSON), pinned for bootstrap.")
  Path caBundle;

  @Option(names = "--cluster", paramLabel = "NAME", description = "This proxy's cluster.")
  String cluster;

  @Option(names = "--region", paramLabel = "REGION", description = "This proxy's region.")
  String region;

  @Option(names = "--zone", paramLabel = "ZONE", description = "This proxy's zone.")
  String zone;

  @Option(names = "--proxy-id", paramLabel = "ID", description = "Default: <workload>-<pid>.")
  String proxyId;

  /** Whether any controller option was given. */
  boolean given() {
    return !controllers.isEmpty()
        || !bootstrap.isEmpty()
        || joinToken != null
        || spiffeId != null
        || caBundle != null;
  }

  /**
   * Bootstraps the SVID, starts its renewal, opens the push stream and waits for the first snapshot
   * (bounded).
   */
  ControlledProxy start(
      Vertx vertx,
      ProxyKind kind,
      ScheduledExecutorService scheduler,
      MeterRegistry registry,
      Consumer<ProxySnapshot> onSnapshot)
      throws Exception {
    List<String> missing = new ArrayList<>();
    if (controllers.isEmpty()) {
      missing.add("--controller");
    }
    if (bootstrap.isEmpty()) {
      missing.add("--bootstrap");
    }
    if (joinToken == null) {
      missing.add("--join-token");
    }
    if (spiffeId == null) {
      missing.add("--spiffe-id");
    }
    if (caBundle == null) {
      missing.add("--ca-bundle");
    }
    if (cluster == null || region == null || zone == null) {
      missing.add("--cluster/--region/--zone");
    }
    if (!missing.isEmpty()) {
      throw new UsageException(
          "with --controller, also give " + String.join(", ", missing) + " (instead of --config)");
    }
    SpiffeId id = Inputs.spiffeId("--spiffe-id", spiffeId);
    TrustBundle pinned =
        BundleCodec.parse(id.trustDomain(), Inputs.readSmallFile(caBundle), caBundle.toString());
    List<SocketAddress> mtls = addresses("--controller", controllers);
    List<SocketAddress> boot = addresses("--bootstrap", bootstrap);
    ControlledProxy.Enrolled enrolled;
    try {
      enrolled =
          ControlledProxy.builder(vertx, id, pinned, joinToken, boot, mtls, scheduler)
              .meterRegistry(registry)
              .enroll()
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new UsageException("cannot get an SVID for " + id + ": " + e.getCause().getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new UsageException(
          "cannot get an SVID for " + id + ": no answer from " + bootstrap + " within 30s");
    }
    Node.Builder node =
        Node.newBuilder()
            .setProxyId(
                proxyId != null
                    ? proxyId
                    : id.serviceAccount().orElse("proxy") + "-" + ProcessHandle.current().pid())
            .setCluster(cluster)
            .setRegion(region)
            .setZone(zone)
            .setKind(kind);
    if (kind == ProxyKind.PROXY_KIND_SIDECAR) {
      node.setNamespace(id.namespace().orElse("")).setWorkload(id.serviceAccount().orElse(""));
    }
    try {
      return enrolled
          .connect(node.build(), onSnapshot)
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      String nack = enrolled.lastNack();
      enrolled.close();
      throw new UsageException(
          "no config from the controllers "
              + controllers
              + " within 30s: "
              + (nack.isEmpty()
                  ? String.valueOf((e.getCause() == null ? e : e.getCause()).getMessage())
                  : "the pushed config was rejected: " + nack));
    }
  }

  private static List<SocketAddress> addresses(String option, List<String> values) {
    List<SocketAddress> out = new ArrayList<>();
    for (String v : values) {
      HostPort hp = HostPort.parse(option, v);
      if (hp.port() == 0) {
        throw new UsageException(option + ": '" + v + "': port 0 (expected: 1..65535)");
      }
      out.add(SocketAddress.inetSocketAddress(hp.port(), hp.host()));
    }
    return out;
  }
}
