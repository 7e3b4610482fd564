package io.fedmesh.controller;

import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.testing.FreePorts;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Real controller replicas of one cluster on loopback, sharing one CA, for tests. */
public final class ControllerFixture implements AutoCloseable {
  public final String cluster;
  public final CertificateAuthority ca;
  public final List<FederationController> replicas = new ArrayList<>();

  private ControllerFixture(String cluster, CertificateAuthority ca) {
    this.cluster = cluster;
    this.ca = ca;
  }

  /** {@code count} replicas of cluster {@code cluster}, started and joined. */
  public static ControllerFixture start(
      String cluster, int count, Consumer<FederationController.Builder> customize)
      throws Exception {
    return start(
        cluster,
        CertificateAuthority.builder(TrustDomain.of(cluster + ".fedmesh.local")).build(),
        count,
        customize);
  }

  /** {@code count} replicas of cluster {@code cluster} with CA {@code ca}, started and joined. */
  public static ControllerFixture start(
      String cluster,
      CertificateAuthority ca,
      int count,
      Consumer<FederationController.Builder> customize)
      throws Exception {
    ControllerFixture f = new ControllerFixture(cluster, ca);
    List<Integer> ports = FreePorts.take(count);
    List<String> members = new ArrayList<>();
    for (int p : ports) {
      members.add("127.0.0.1:" + p);
    }
    String hzCluster = cluster + "-" + ports.get(0);
    try {
      for (int p : ports) {
        FederationController.Builder b =
            FederationController.builder(cluster, ca)
                .catalogPort(p)
                .catalogMembers(members)
                .replicaId(hzCluster.replace(cluster, "r") + "-" + p)
                .locality(cluster, cluster + "-a");
        customize.accept(b);
        f.replicas.add(await(b.build().start()));
      }
      // Replicas started one after another can form separate Hazelcast clusters for a moment
      // (until split-brain healing merges them); tests start once they are one, with one leader.
      // After such a merge the oldest member, the leader, need not be the first started: tests
      // find the leader with isLeader(), never by index.
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(
              () ->
                  f.replicas.stream()
                          .allMatch(
                              r ->
                                  r.context().replicas().size() == f.replicas.size()
                                      && r.catalog().isSafe())
                      && f.replicas.stream().filter(FederationController::isLeader).count() == 1);
    } catch (Exception e) {
      f.close();
      throw e;
    }
    return f;
  }

  public FederationController first() {
    return replicas.get(0);
  }

  /**
   * Writes service {@code namespace/name} to the catalog: one HTTP port, 9080, served by the
   * workload of the same name in this cluster's trust domain.
   */
  public void putService(String namespace, String name, boolean exported) {
    first()
        .catalog()
        .putService(
            new ServiceEntry(
                namespace,
                name,
                List.of(new PortEntry("http", 9080, "http")),
                List.of(ca.trustDomain().workload(namespace, name).toString()),
                exported));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    for (FederationController c : replicas) {
      try {
        c.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // already stopped or killed
      }
    }
  }

  static Duration bound() {
    return Duration.ofSeconds(30);
  }
}
