package io.fedmesh.trust.svid;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.internal.Crypto;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Keeps a workload's SVID fresh: makes a new key pair and CSR, has it signed by an {@link
 * SvidSource} (the controller's CA service, or an in-process issuer), and schedules the next
 * renewal when {@link Builder#renewAt} of the new SVID's lifetime has passed (half-life by
 * default). A failed renewal is retried with capped exponential backoff and jitter while the
 * current SVID stays in use. Listeners hear of each new SVID (e.g. {@code MeshTls::updateSvid}).
 */
public final class SvidRenewer implements AutoCloseable {
  /** Fraction of an SVID's lifetime after which it is renewed. */
  public static final double DEFAULT_RENEW_AT = 0.5;

  /** First retry delay after a failed renewal; doubles up to {@link #MAX_RETRY}. */
  public static final Duration MIN_RETRY = Duration.ofSeconds(1);

  /** Longest retry delay. */
  public static final Duration MAX_RETRY = Duration.ofSeconds(30);

  /** Signs a CSR; {@code current} is the SVID being renewed, null on the first request. */
  @FunctionalInterface
  public interface SvidSource {
    CompletionStage<List<X509Certificate>> sign(CertificateRequest request, Svid current);
  }

  private final SpiffeId id;
  private final SvidSource source;
  private final KeyAlgorithm keyAlgorithm;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final double renewAt;
  private final List<Consumer<Svid>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<Svid> current = new AtomicReference<>();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile ScheduledFuture<?> pending;
  private volatile boolean closed;

  private SvidRenewer(Builder b) {
    this.id = b.id;
    this.source = b.source;
    this.keyAlgorithm = b.keyAlgorithm;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.renewAt = b.renewAt;
  }

  public static Builder builder(
      SpiffeId id, SvidSource source, ScheduledExecutorService scheduler) {
    return new Builder(id, source, scheduler);
  }

  /** Gets the first SVID and starts the renewal schedule. */
  public CompletionStage<Svid> start() {
    return renew().thenApply(s -> s);
  }

  /** The SVID in use, or null before the first one arrived. */
  public Svid current() {
    return current.get();
  }

  /** Consecutive failed renewals since the last success. */
  public int consecutiveFailures() {
    return failures.get();
  }

  /** Called with each new SVID. */
  public void addListener(Consumer<Svid> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Renews now, whatever the schedule says. */
  public CompletionStage<Svid> renew() {
    if (closed) {
      return CompletableFuture.failedFuture(
          new TrustException("SVID renewer for " + id + " is closed"));
    }
    CertificateRequest csr = CertificateRequest.create(id, keyAlgorithm);
    CompletionStage<List<X509Certificate>> signed;
    try {
      signed = source.sign(csr, current.get());
    } catch (RuntimeException e) {
      signed = CompletableFuture.failedFuture(e);
    }
    return signed
        .thenApply(chain -> accept(csr, chain))
        .whenComplete(
            (svid, err) -> {
              if (err != null) {
                int n = failures.incrementAndGet();
                schedule(retryDelay(n));
              } else {
                failures.set(0);
                schedule(delayUntilRenewal(svid));
              }
            });
  }

  private Svid accept(CertificateRequest csr, List<X509Certificate> chain) {
    Svid svid = Svid.of(csr.keyPair().getPrivate(), chain);
    if (!svid.id().equals(id)) {
      throw new TrustException("CA returned an SVID for " + svid.id() + ", expected " + id);
    }
    if (!svid.leaf().getPublicKey().equals(csr.keyPair().getPublic())) {
      throw new TrustException("CA returned an SVID for another key than the one in the CSR");
    }
    current.set(svid);
    for (Consumer<Svid> l : listeners) {
      try {
        l.accept(svid);
      } catch (RuntimeException e) {
        // One failing listener must not keep the SVID from the others.
      }
    }
    return svid;
  }

  /** Time from now until {@code svid} should be renewed; never negative. */
  Duration delayUntilRenewal(Svid svid) {
    Instant at = svid.renewalTime(renewAt);
    Duration d = Duration.between(clock.instant(), at);
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** Backoff after {@code n} consecutive failures: 1 s doubling to 30 s, with +-20 % jitter. */
  static Duration retryDelay(int n) {
    long base = MIN_RETRY.toMillis() << Math.min(n - 1, 10);
    long capped = Math.min(base, MAX_RETRY.toMillis());
    double jitter = 0.8 + 0.4 * Crypto.random().nextDouble();
    return Duration.ofMillis((long) (capped * jitter));
  }

  private void schedule(Duration delay) {
    if (closed) {
      return;
    }
    ScheduledFuture<?> old = pending;
    if (old != null) {
      old.cancel(false);
    }
    pending = scheduler.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> p = pending;
    if (p != null) {
      p.cancel(false);
    }
  }

  /** Builds a renewer; defaults: EC P-256 keys, renewal at half-life, system clock. */
  public static final class Builder {
    private final SpiffeId id;
    private final SvidSource source;
    private final ScheduledExecutorService scheduler;
    private KeyAlgorithm keyAlgorithm = KeyAlgorithm.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private double renewAt = DEFAULT_RENEW_AT;

    Builder(SpiffeId id, SvidSource source, ScheduledExecutorService scheduler) {
      this.id = Objects.requireNonNull(id, "id");
      this.source = Objects.requireNonNull(source, "source");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    public Builder keyAlgorithm(KeyAlgorithm a) {
      this.keyAlgorithm = Objects.requireNonNull(a, "keyAlgorithm");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Fraction of the lifetime after which to renew, 0.1 to 0.9. */
    public Builder renewAt(double fraction) {
      if (!(fraction >= 0.1 && fraction <= 0.9)) {
        throw new IllegalArgumentException("renewAt: " + fraction + " (expected: 0.1..0.9)");
      }
      this.renewAt = fraction;
      return this;
    }

    public SvidRenewer build() {
      return new SvidRenewer(this);
    }
  }
}
