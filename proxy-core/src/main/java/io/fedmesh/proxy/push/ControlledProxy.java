package io.fedmesh.proxy.push;

import io.fedmesh.api.v1.Node;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.SvidRenewer;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A proxy that takes its identity and config from its cluster's controllers, in two steps: {@link
 * Builder#enroll} gets the first SVID with a join token over the bootstrap listener (pinning the
 * cluster's bundle) and renews it at half-life over mTLS from then on; {@link Enrolled#connect}
 * opens the push stream and completes with the first snapshot applied. {@code fedmesh
 * sidecar|gateway --controller} and the local runner's proxies both start this way.
 *
 * <pre>{@code
 * ControlledProxy.builder(vertx, id, pinned, joinToken, bootstrap, controllers, scheduler)
 *     .enroll()
 *     .compose(enrolled -> enrolled.connect(node, snapshot::set));
 * }</pre>
 */
public final class ControlledProxy implements AutoCloseable {
  private final Enrolled enrolled;
  private final ControllerClient push;
  private final ProxySnapshot first;

  private ControlledProxy(Enrolled enrolled, ControllerClient push, ProxySnapshot first) {
    this.enrolled = enrolled;
    this.push = push;
    this.first = first;
  }

  /**
   * A builder for proxy {@code id}: {@code pinned} is its cluster's bundle (trusted for bootstrap),
   * {@code joinToken} the single-use token for {@code id}, {@code bootstrap} and {@code
   * controllers} the replicas' bootstrap and mTLS addresses; renewals run on {@code scheduler}.
   */
  public static Builder builder(
      Vertx vertx,
      SpiffeId id,
      TrustBundle pinned,
      String joinToken,
      List<SocketAddress> bootstrap,
      List<SocketAddress> controllers,
      ScheduledExecutorService scheduler) {
    return new Builder(vertx, id, pinned, joinToken, bootstrap, controllers, scheduler);
  }

  /** The proxy's mTLS, whose SVID follows renewals. */
  public MeshTls tls() {
    return enrolled.tls;
  }

  /** The push stream. */
  public ControllerClient push() {
    return push;
  }

  /** The first snapshot the push stream applied. */
  public ProxySnapshot first() {
    return first;
  }

  /** Closes the push stream and stops renewing. */
  @Override
  public void close() {
    enrolled.close();
  }

  /** A proxy holding its first SVID, renewed from now on, and no push stream yet. */
  public static final class Enrolled implements AutoCloseable {
    private final Builder b;
    private final MeshTls tls;
    private final BundleSet bundles;
    private final SvidRenewer renewer;
    private final AtomicReference<ControllerClient> push = new AtomicReference<>();

    private Enrolled(Builder b, MeshTls tls, BundleSet bundles, SvidRenewer renewer) {
      this.b = b;
      this.tls = tls;
      this.bundles = bundles;
      this.renewer = renewer;
    }

    /** The proxy's mTLS, whose SVID follows renewals. */
    public MeshTls tls() {
      return tls;
    }

    /**
     * Opens the push stream as {@code node} (once); completes once the first snapshot is applied
     * ({@code onSnapshot} hears of it and every later one): while only config this proxy NACKs
     * comes, it stays pending ({@link #lastNack} says why). Renewal goes on, and the stream keeps
     * trying, until this is closed.
     */
    public Future<ControlledProxy> connect(Node node, Consumer<ProxySnapshot> onSnapshot) {
      ControllerClient.Builder pb =
          ControllerClient.builder(b.vertx, tls, bundles, node, b.controllers, onSnapshot);
      if (b.backoffMin != null) {
        pb.backoff(b.backoffMin, b.backoffMax);
      }
      ControllerClient client = pb.build();
      if (!push.compareAndSet(null, client)) {
        throw new IllegalStateException("connect was called already");
      }
      return client.start().map(first -> new ControlledProxy(this, client, first));
    }

    /**
     * The reason of the last config this proxy NACKed on its push stream, or empty (also before
     * {@link #connect}); for saying why no snapshot came.
     */
    public String lastNack() {
      ControllerClient client = push.get();
      return client == null ? "" : client.state().lastNack();
    }

    /** Closes the push stream, if one was opened, and stops renewing. */
    @Override
    public void close() {
      ControllerClient client = push.get();
      if (client != null) {
        client.close();
      }
      renewer.close();
    }
  }

  /** Options of a controlled proxy; {@link #enroll} starts it. */
  public static final class Builder {
    private final Vertx vertx;
    private final SpiffeId id;
    private final TrustBundle pinned;
    private final String joinToken;
    private final List<SocketAddress> bootstrap;
    private final List<SocketAddress> controllers;
    private final ScheduledExecutorService scheduler;
    private Clock clock = Clock.systemUTC();
    private MeterRegistry meterRegistry;
    private Duration backoffMin;
    private Duration backoffMax;

    private Builder(
        Vertx vertx,
        SpiffeId id,
        TrustBundle pinned,
        String joinToken,
        List<SocketAddress> bootstrap,
        List<SocketAddress> controllers,
        ScheduledExecutorService scheduler) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.id = Objects.requireNonNull(id, "id");
      this.pinned = Objects.requireNonNull(pinned, "pinned");
      this.joinToken = Objects.requireNonNull(joinToken, "joinToken");
      this.bootstrap = List.copyOf(bootstrap);
      this.controllers = List.copyOf(controllers);
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /** The clock for SVID validity and renewal (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where the proxy's TLS meters go (default: none). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = registry;
      return this;
    }

    /** The push stream's reconnect backoff (default: {@link ControllerClient}'s). */
    public Builder backoff(Duration min, Duration max) {
      this.backoffMin = Objects.requireNonNull(min, "min");
      this.backoffMax = Objects.requireNonNull(max, "max");
      return this;
    }

    /**
     * Gets the first SVID (the CSR goes with the join token, later ones with the current SVID) and
     * starts renewing it; on failure nothing is left running.
     */
    public Future<Enrolled> enroll() {
      BundleSet bundles = BundleSet.of(pinned);
      AtomicReference<MeshTls> current = new AtomicReference<>();
      SvidRenewer renewer =
          SvidRenewer.builder(
                  id,
                  SvidClient.lifecycle(
                      vertx,
                      bootstrap,
                      pinned,
                      joinToken,
                      controllers,
                      current::get,
                      issued -> issued.forEach(bundles::update),
                      clock),
                  scheduler)
              .clock(clock)
              .build();
      return Future.fromCompletionStage(renewer.start())
          .map(
              svid -> {
                MeshTls.Builder tb = MeshTls.builder(svid, bundles).clock(clock);
                if (meterRegistry != null) {
                  tb.meterRegistry(meterRegistry);
                }
                MeshTls tls = tb.build();
                current.set(tls);
                renewer.addListener(tls::updateSvid);
                return new Enrolled(this, tls, bundles, renewer);
              })
          .onFailure(t -> renewer.close());
    }
  }
}
