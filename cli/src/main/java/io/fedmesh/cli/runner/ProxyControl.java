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
import java.util.concurrent.atomic.AtomicReference;
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
        .compose(
            token -> {
              BundleSet bundles = BundleSet.of(pinned);
              AtomicReference<MeshTls> tls = new AtomicReference<>();
              // The first CSR goes with the join token, later ones with the current SVID.
              SvidRenewer renewer =
                  SvidRenewer.builder(
                          id,
                          SvidClient.lifecycle(
                              vertx,
                              plane.bootstrap(),
                              pinned,
                              token,
                              plane.mtls(),
                              tls::get,
                              issued -> issued.forEach(bundles::update),
                              clock),
                          scheduler)
                      .clock(clock)
                      .build();
              return Future.fromCompletionStage(renewer.start())
                  .compose(
                      svid -> {
                        MeshTls meshTls = MeshTls.builder(svid, bundles).clock(clock).build();
                        tls.set(meshTls);
                        renewer.addListener(meshTls::updateSvid);
                        ControllerClient push =
                            ControllerClient.builder(
                                    vertx, meshTls, bundles, node, plane.mtls(), onSnapshot)
                                .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                                .build();
                        ProxyControl pc = new ProxyControl(meshTls, push, renewer);
                        return push.start().map(first -> pc).onFailure(t -> pc.close());
                      })
                  .onFailure(t -> renewer.close());
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
