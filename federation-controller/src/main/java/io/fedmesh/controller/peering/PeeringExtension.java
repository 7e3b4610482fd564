package io.fedmesh.controller.peering;

import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.ControllerExtension;
import io.vertx.core.Future;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Installs {@link Peering} in a controller replica: {@code Peering.Exchange} on the mTLS listener,
 * {@code Peering.Redeem} on the bootstrap listener, {@link PeeringAdmin}'s routes on the admin
 * router, the replica's SVID for dialing and its leadership for who dials.
 *
 * <pre>{@code
 * FederationController.builder("us-east", ca)
 *     .extension(PeeringExtension.of(gatewayHost, gatewayPort, gatewayHealthPort))
 *     ...
 * }</pre>
 */
public final class PeeringExtension implements ControllerExtension {
  private final String gatewayHost;
  private final int gatewayPort;
  private final int gatewayHealthPort;
  private final Consumer<Peering.Builder> options;
  private volatile Peering peering;

  private PeeringExtension(
      String gatewayHost,
      int gatewayPort,
      int gatewayHealthPort,
      Consumer<Peering.Builder> options) {
    this.gatewayHost = gatewayHost;
    this.gatewayPort = Names.checkPort("gatewayPort", gatewayPort);
    this.gatewayHealthPort = Names.checkPort("gatewayHealthPort", gatewayHealthPort);
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Peering for a cluster whose east-west gateway other clusters reach at {@code
   * gatewayHost:gatewayPort}, with its mTLS {@code /health} on {@code gatewayHealthPort}.
   */
  public static PeeringExtension of(String gatewayHost, int gatewayPort, int gatewayHealthPort) {
    return of(gatewayHost, gatewayPort, gatewayHealthPort, b -> {});
  }

  /** The same, with {@code options} applied to the {@link Peering.Builder} (timings). */
  public static PeeringExtension of(
      String gatewayHost,
      int gatewayPort,
      int gatewayHealthPort,
      Consumer<Peering.Builder> options) {
    return new PeeringExtension(gatewayHost, gatewayPort, gatewayHealthPort, options);
  }

  @Override
  public void install(ControllerContext ctx) {
    LocalCluster self =
        LocalCluster.of(
            ctx.cluster(), ctx.trustDomain(), gatewayHost, gatewayPort, gatewayHealthPort);
    Peering.Builder b =
        Peering.builder(ctx.vertx(), ctx.catalog(), self, ctx.tls())
            .clock(ctx.clock())
            .leader(ctx::isLeader)
            .meterRegistry(ctx.meterRegistry());
    options.accept(b);
    Peering p = b.build();
    ctx.addMtlsService(p.mtlsService());
    ctx.addBootstrapService(p.bootstrapService());
    new PeeringAdmin(p).install(ctx.adminRouter());
    p.start();
    this.peering = p;
  }

  /** The running peering, once installed. */
  public Peering peering() {
    Peering p = peering;
    if (p == null) {
      throw new IllegalStateException("peering extension not installed yet");
    }
    return p;
  }

  @Override
  public Future<Void> close() {
    Peering p = peering;
    return p == null ? Future.succeededFuture() : p.close();
  }
}
