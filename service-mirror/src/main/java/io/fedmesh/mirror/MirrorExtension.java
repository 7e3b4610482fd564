package io.fedmesh.mirror;

import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.ControllerExtension;
import io.vertx.core.Future;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Installs a {@link ServiceMirror} in a controller replica: its catalog, clock, meters and
 * leadership (every replica watches; only the leader writes).
 */
public final class MirrorExtension implements ControllerExtension {
  private final Consumer<ServiceMirror.Builder> options;
  private volatile ServiceMirror mirror;

  private MirrorExtension(Consumer<ServiceMirror.Builder> options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** The mirror with its defaults (bound 3 s, no Kubernetes sink). */
  public static MirrorExtension withDefaults() {
    return new MirrorExtension(b -> {});
  }

  /** The mirror with {@code options} applied (bound, a {@link MirrorSink}). */
  public static MirrorExtension of(Consumer<ServiceMirror.Builder> options) {
    return new MirrorExtension(options);
  }

  @Override
  public void install(ControllerContext ctx) {
    ServiceMirror.Builder b =
        ServiceMirror.builder(ctx.catalog())
            .clock(ctx.clock())
            .leader(ctx::isLeader)
            .meterRegistry(ctx.meterRegistry());
    options.accept(b);
    ServiceMirror m = b.build();
    m.start();
    this.mirror = m;
  }

  @Override
  public Future<Void> close() {
    ServiceMirror m = mirror;
    if (m != null) {
      m.close();
    }
    return Future.succeededFuture();
  }
}
