package io.fedmesh.controller;

import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.push.ControllerClient;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A proxy's control-plane side, for tests: an SVID from the cluster CA and a push client. */
public final class TestProxy implements AutoCloseable {
  public final Vertx vertx = Vertx.vertx();
  public final BundleSet bundles;
  public final MeshTls tls;
  public final List<ProxySnapshot> snapshots = new CopyOnWriteArrayList<>();
  public final ControllerClient client;

  private TestProxy(
      CertificateAuthority ca, Node node, SpiffeId id, List<FederationController> replicas) {
    Svid svid = SvidIssuer.issueLocally(ca, id, KeyAlgorithm.EC_P256, Duration.ofHours(1));
    this.bundles = BundleSet.of(FederationController.localBundle(ca));
    this.tls = MeshTls.builder(svid, bundles).build();
    List<SocketAddress> addresses = new ArrayList<>();
    for (FederationController r : replicas) {
      addresses.add(SocketAddress.inetSocketAddress(r.mtlsPort(), "127.0.0.1"));
    }
    this.client =
        ControllerClient.builder(vertx, tls, bundles, node, addresses, snapshots::add)
            .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
            .build();
  }

  /** A sidecar of workload {@code ns/workload} in {@code fixture}'s cluster. */
  public static TestProxy sidecar(ControllerFixture fixture, String ns, String workload) {
    return sidecar(fixture, ns, workload, workload);
  }

  /** A sidecar whose node names {@code workload} but whose SVID is for {@code serviceAccount}. */
  public static TestProxy sidecar(
      ControllerFixture fixture, String ns, String workload, String serviceAccount) {
    Node node =
        Node.newBuilder()
            .setProxyId(workload + "-1")
            .setCluster(fixture.cluster)
            .setRegion(fixture.cluster)
            .setZone(fixture.cluster + "-a")
            .setKind(ProxyKind.PROXY_KIND_SIDECAR)
            .setNamespace(ns)
            .setWorkload(workload)
            .build();
    return new TestProxy(
        fixture.ca, node, fixture.ca.trustDomain().workload(ns, serviceAccount), fixture.replicas);
  }

  /** An east-west gateway of {@code fixture}'s cluster with {@code node}. */
  public static TestProxy gateway(ControllerFixture fixture, Node node) {
    return new TestProxy(
        fixture.ca,
        node,
        io.fedmesh.proxy.push.SystemIdentities.gateway(fixture.ca.trustDomain()),
        fixture.replicas);
  }

  /** The snapshot in use. */
  public ProxySnapshot snapshot() {
    return client.snapshot();
  }

  @Override
  public void close() {
    client.close();
    vertx.close();
  }
}
