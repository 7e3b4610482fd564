package io.fedmesh.cli.runner;

import io.fedmesh.api.v1.Node;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.push.ControllerClient;
import io.fedmesh.proxy.push.PushState;
import io.fedmesh.proxy.push.SvidClient;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.SvidRenewer;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A proxy's side of the control plane, as a pod's sidecar or the east-west gateway has it: a join
 * token the platform (the cluster process) asks the admin API for, scoped to the proxy's SPIFFE ID
 * and good once; the first SVID from the CA service over the bootstrap listener, pinning the
 * cluster's own bundle read from the state directory; renewal at half-life over mTLS; and the push
 * stream, whose snapshots the proxy runs on.
 */
final class ProxyControl implements AutoCloseable {
  /** How long a join token the runner issues stays good (it is used at once). */
  static final String JOIN_TOKEN_TTL = "5m";

  private final MeshTls tls;
  private final ControllerClient push;
  private final SvidRenewer renewer;

  private ProxyControl(MeshTls tls, ControllerClient push, SvidRenewer renewer) {
    this.tls = tls;
    this.push = push;
    this.renewer = renewer;
  }

  /**
   * Enrolls proxy {@code node} as {@code id} with {@code plane}'s CA and opens its push stream;
   * completes once the first snapshot is applied ({@code onSnapshot} hears of it and every later
   * one).
   */
  static Future<ProxyControl> start(
      Vertx vertx,
      AdminCalls admin,
      ControlPlane plane,
      TrustBundle pinned,
      SpiffeId id,
      Node node,
      Clock clock,
      ScheduledExecutorService scheduler,
      Consumer<ProxySnapshot> onSnapshot) {
    return admin
        .call(a -> a.createJoinToken(id.toString(), 1, JOIN_TOKEN_TTL))
        .compose(token -> SvidClient.bootstrap(vertx, plane.bootstrap(), pinned, id, token, clock))
        .compose(
            issued -> {
              TrustBundle own =
                  issued.bundles().stream()
                      .filter(b -> b.trustDomain().equals(pinned.trustDomain()))
                      .findFirst()
                      .orElse(pinned);
              BundleSet.Builder set = BundleSet.builder(own);
              issued.bundles().stream().filter(b -> b != own).forEach(set::add);
              BundleSet bundles = set.build();
              MeshTls tls = MeshTls.builder(issued.svid(), bundles).clock(clock).build();
              SvidRenewer renewer =
                  SvidRenewer.builder(id, SvidClient.renewal(vertx, tls, plane.mtls()), scheduler)
                      .clock(clock)
                      .build();
              renewer.addListener(tls::updateSvid);
              ControllerClient push =
                  ControllerClient.builder(vertx, tls, bundles, node, plane.mtls(), onSnapshot)
                      .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                      .build();
              ProxyControl pc = new ProxyControl(tls, push, renewer);
              return push.start()
                  .compose(first -> Future.fromCompletionStage(renewer.start()).map(svid -> pc))
                  .onFailure(t -> pc.close());
            });
  }

  MeshTls tls() {
    return tls;
  }

  /** The snapshot in use (the last good one). */
  ProxySnapshot snapshot() {
    return push.snapshot();
  }

  PushState state() {
    return push.state();
  }

  @Override
  public void close() {
    renewer.close();
    push.close();
  }
}
