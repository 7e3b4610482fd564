package io.fedmesh.controller.gatewayhealth;

import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.ControllerExtension;
import io.vertx.core.Future;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Installs a {@link GatewayProber} in a controller replica: the replica's SVID, clock, meters and
 * leadership (only the leader probes).
 */
public final class GatewayHealthExtension implements ControllerExtension {
  private final Consumer<GatewayProber.Builder> options;
  private volatile GatewayProber prober;

  private GatewayHealthExtension(Consumer<GatewayProber.Builder> options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Probing with the defaults (250 ms, 3 failures, 2 successes). */
  public static GatewayHealthExtension withDefaults() {
    return new GatewayHealthExtension(b -> {});
  }

  /** Probing with {@code options} applied to the {@link GatewayProber.Builder}. */
  public static GatewayHealthExtension of(Consumer<GatewayProber.Builder> options) {
    return new GatewayHealthExtension(options);
  }

  @Override
  public void install(ControllerContext ctx) {
    GatewayProber.Builder b =
        GatewayProber.builder(ctx.vertx(), ctx.catalog(), ctx.tls())
            .clock(ctx.clock())
            .leader(ctx::isLeader)
            .meterRegistry(ctx.meterRegistry());
    options.accept(b);
    GatewayProber p = b.build();
    p.start();
    this.prober = p;
  }

  @Override
  public Future<Void> close() {
    GatewayProber p = prober;
    return p == null ? Future.succeededFuture() : p.close();
  }
}
