package io.fedmesh.cli.runner;

import io.fedmesh.controller.ControllerExtension;
import io.fedmesh.controller.FederationController;
import io.fedmesh.controller.gatewayhealth.GatewayHealthExtension;
import io.fedmesh.controller.peering.PeeringExtension;
import io.fedmesh.mirror.MirrorExtension;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One cluster's controller replicas, in the cluster process: each a {@link FederationController}
 * with its own Hazelcast member (on loopback ports picked before any starts, so each lists all) and
 * its own Vert.x, sharing the cluster CA loaded from the state directory. Each carries peering
 * (through this cluster's east-west gateway, whose ports are fixed in advance), gateway health
 * probing and the service mirror; the leader does the cluster-wide work of the last two.
 *
 * <p>A replica can be killed as a crash would ({@link #kill}); the rest keep the catalog, proxies
 * reconnect to them.
 */
final class ControlPlane implements AutoCloseable {
  private final String cluster;
  private final List<FederationController> replicas = new ArrayList<>();
  private final List<Boolean> running = new ArrayList<>();
  private final List<List<ControllerExtension>> extensions = new ArrayList<>();

  private ControlPlane(String cluster) {
    this.cluster = cluster;
  }

  /**
   * Starts {@code me.controllers()} replicas one after the other (the first becomes the leader);
   * linked clusters reach them through the gateway at {@code gatewayPort} (health on {@code
   * gatewayHealthPort}).
   */
  static ControlPlane start(
      Topology.Cluster me,
      CertificateAuthority ca,
      Clock clock,
      int gatewayPort,
      int gatewayHealthPort)
      throws Exception {
    ControlPlane plane = new ControlPlane(me.name());
    List<Integer> ports;
    // Released together before the first member starts, not one by one: each member dials the
    // others' ports as it joins, and a port still held would take the connection into its backlog
    // and leave the join waiting out Hazelcast's connect timeout instead of being refused.
    try (LoopbackPorts.Reserved reserved = LoopbackPorts.reserve(me.controllers())) {
      ports = reserved.ports();
    }
    List<String> members = new ArrayList<>();
    ports.forEach(p -> members.add(ClusterProcess.HOST + ":" + p));
    try {
      for (int i = 0; i < ports.size(); i++) {
        String zone = me.zones().get(i % me.zones().size());
        List<ControllerExtension> parts =
            List.of(
                PeeringExtension.of(ClusterProcess.HOST, gatewayPort, gatewayHealthPort),
                GatewayHealthExtension.withDefaults(),
                MirrorExtension.withDefaults());
        FederationController.Builder b =
            FederationController.builder(me.name(), ca)
                .host(ClusterProcess.HOST)
                .catalogPort(ports.get(i))
                .catalogMembers(members)
                .replicaId(me.name() + "-controller-" + i)
                .locality(me.region(), zone)
                .clock(clock);
        parts.forEach(b::extension);
        plane.replicas.add(ClusterProcess.await(b.build().start()));
        plane.running.add(true);
        plane.extensions.add(parts);
      }
      plane.awaitOneCatalog();
      return plane;
    } catch (Exception e) {
      plane.close();
      throw e;
    }
  }

  /**
   * Waits until every replica sees all the others: replicas started one after another can form
   * separate Hazelcast clusters for a moment, and what is written meanwhile would sit on one side
   * until split-brain healing merges them.
   */
  private void awaitOneCatalog() throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (!replicas.stream()
        .allMatch(r -> r.context().replicas().size() == replicas.size() && r.catalog().isSafe())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "controller replicas did not form one catalog cluster within 60 s; see cluster.log");
      }
      Thread.sleep(50);
    }
  }

  /** The mTLS listeners of every replica started, {@code host:port}, in replica order. */
  List<String> mtlsAddresses() {
    List<String> out = new ArrayList<>();
    replicas.forEach(r -> out.add(ClusterProcess.HOST + ":" + r.mtlsPort()));
    return out;
  }

  List<SocketAddress> mtls() {
    List<SocketAddress> out = new ArrayList<>();
    replicas.forEach(
        r -> out.add(SocketAddress.inetSocketAddress(r.mtlsPort(), ClusterProcess.HOST)));
    return out;
  }

  List<SocketAddress> bootstrap() {
    List<SocketAddress> out = new ArrayList<>();
    replicas.forEach(
        r -> out.add(SocketAddress.inetSocketAddress(r.bootstrapPort(), ClusterProcess.HOST)));
    return out;
  }

  /** The replicas as the cluster process reports them. */
  synchronized List<ClusterStatus.Controller> describe() {
    List<ClusterStatus.Controller> out = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      FederationController r = replicas.get(i);
      out.add(
          new ClusterStatus.Controller(
              i,
              r.replicaId(),
              ClusterProcess.HOST + ":" + r.mtlsPort(),
              ClusterProcess.HOST + ":" + r.bootstrapPort(),
              running.get(i),
              running.get(i) && r.isLeader()));
    }
    return out;
  }

  /**
   * Kills replica {@code index} as a crash of its process would: its peering, probing and mirror
   * stop (in a shared JVM their threads would otherwise outlive the replica), then its listeners
   * and Hazelcast member go at once, nothing deregistered. The replica's description afterwards.
   */
  synchronized ClusterStatus.Controller kill(int index) throws Exception {
    if (index < 0 || index >= replicas.size()) {
      throw new RunnerException(
          400,
          "replica: "
              + index
              + " (expected: 0.."
              + (replicas.size() - 1)
              + ", cluster "
              + cluster
              + " runs "
              + replicas.size()
              + ")");
    }
    if (!running.get(index)) {
      throw new RunnerException(409, "replica " + index + " of cluster " + cluster + " is dead");
    }
    long alive = running.stream().filter(b -> b).count();
    if (alive == 1) {
      throw new RunnerException(
          409,
          "replica "
              + index
              + " is the last one running in cluster "
              + cluster
              + " (expected: a cluster with another replica to take over)");
    }
    for (ControllerExtension e : extensions.get(index)) {
      ClusterProcess.await(e.close().recover(t -> Future.succeededFuture()));
    }
    ClusterProcess.await(replicas.get(index).kill());
    running.set(index, false);
    return describe().get(index);
  }

  @Override
  public synchronized void close() {
    for (int i = replicas.size() - 1; i >= 0; i--) {
      if (running.get(i)) {
        try {
          ClusterProcess.await(replicas.get(i).stop());
        } catch (Exception e) {
          // Stopping anyway: the process is going away.
        }
        running.set(i, false);
      }
    }
  }
}
