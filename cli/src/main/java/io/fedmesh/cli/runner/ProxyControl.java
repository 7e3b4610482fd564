package io.fedmesh.cli.runner;

import io.fedmesh.api.v1.Node;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.push.ControlledProxy;
import io.fedmesh.proxy.push.PushState;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
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

  private final ControlledProxy proxy;

  private ProxyControl(ControlledProxy proxy) {
    this.proxy = proxy;
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
            token ->
                ControlledProxy.builder(
                        vertx, id, pinned, token, plane.bootstrap(), plane.mtls(), scheduler)
                    .clock(clock)
                    .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                    .enroll())
        .compose(
            enrolled ->
                enrolled
                    .connect(node, onSnapshot)
                    .onFailure(t -> enrolled.close())
                    .map(ProxyControl::new));
  }

  MeshTls tls() {
    return proxy.tls();
  }

  /** The snapshot in use (the last good one). */
  ProxySnapshot snapshot() {
    return proxy.push().snapshot();
  }

  PushState state() {
    return proxy.push().state();
  }

  @Override
  public void close() {
    proxy.close();
  }
}
