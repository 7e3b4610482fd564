package io.fedmesh.trust.bundle;

import io.fedmesh.trust.spiffe.TrustDomain;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps one federated trust domain's bundle fresh: fetches it from a {@link BundleSource} and
 * offers it to a {@link BundleSet} with {@link BundleSet#update}, so only a bundle with a greater
 * {@code spiffe_sequence} replaces the stored one.
 *
 * <p>Timing (SPIFFE Federation section 6.2):
 *
 * <ul>
 *   <li>The next fetch is scheduled one interval after the previous one <em>finished</em>; the
 *       interval is the stored bundle's {@code spiffe_refresh_hint}, or {@link
 *       TrustBundle#DEFAULT_REFRESH_HINT} when it has none or no bundle is stored yet, kept between
 *       {@link #MIN_REFRESH_INTERVAL} and {@link #MAX_REFRESH_INTERVAL}.
 *   <li>A failed fetch (an exception, a malformed bundle, a bundle of another domain, no answer
 *       within the fetch timeout) is retried at the next interval — the same delay as after a
 *       success, never sooner. A source that fails instantly is therefore called at most once per
 *       interval, and a failure never removes or ages out the stored bundle: the last good one
 *       stays trusted.
 *   <li>Only one fetch is in flight at a time. A fetch that times out is abandoned: its late answer
 *       is ignored.
 * </ul>
 *
 * <p>A stale answer (sequence not greater than the stored one) is a successful fetch that changes
 * nothing: publishers serve the same bundle until they rotate.
 *
 * <p>Time and scheduling are injected ({@link Builder#clock}, {@link Builder#scheduler}). Call
 * {@link #start()} to begin and {@link #close()} to stop. Thread-safe.
 */
public final class BundleRefresher implements AutoCloseable {
  /** Shortest interval between fetches, whatever the hint says. */
  public static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);

  /** Longest interval between fetches; a longer hint is shortened to this. */
  public static final Duration MAX_REFRESH_INTERVAL = Duration.ofHours(24);

  /** How long a fetch may take before it counts as failed. */
  public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(30);

  /** Runs tasks after a delay; the seam through which tests control time. */
  @FunctionalInterface
  public interface Scheduler {
    /**
     * Runs {@code task} once after {@code delay}.
     *
     * @return a handle whose {@code cancel} prevents the task from running if it has not started
     */
    Future<?> schedule(Runnable task, Duration delay);

    /** A scheduler backed by {@code executor}. */
    static Scheduler of(ScheduledExecutorService executor) {
      Objects.requireNonNull(executor, "executor");
      return (task, delay) -> executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private final TrustDomain domain;
  private final BundleSet bundles;
  private final BundleSource source;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Duration fetchTimeout;
  private final Duration initialDelay;

  private final Object lock = new Object();
  // Guarded by lock.
  private boolean started;
  private boolean closed;
  private Future<?> nextRun;
  private Attempt inFlight;
  private int consecutiveFailures;
  private long fetches;
  private Instant lastSuccess;
  private Throwable lastFailure;
  private BundleSet.UpdateResult lastResult;

  private BundleRefresher(Builder builder) {
    this.domain = builder.domain;
    this.bundles = builder.bundles;
    this.source = builder.source;
    this.clock = builder.clock;
    this.scheduler = builder.scheduler;
    this.fetchTimeout = builder.fetchTimeout;
    this.initialDelay = builder.initialDelay;
  }

  /**
   * A builder of a refresher for {@code domain}, a federated domain of {@code bundles} (not its
   * local one, whose bundle comes from the local CA), fetching from {@code source}.
   */
  public static Builder builder(TrustDomain domain, BundleSet bundles, BundleSource source) {
    return new Builder(domain, bundles, source);
  }

  /**
   * Schedules the first fetch after the initial delay. Calling it again does nothing.
   *
   * @throws IllegalStateException if closed
   */
  public BundleRefresher start() {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("bundle refresher of '" + domain + "' is closed");
      }
      if (!started) {
        started = true;
        if (inFlight == null) {
          nextRun = scheduler.schedule(this::runScheduled, initialDelay);
        }
      }
    }
    return this;
  }

  /**
   * Fetches now instead of waiting for the next interval, for tests and the CLI; if a fetch is
   * already in flight, waits for that one instead of starting another. When started, the next
   * scheduled fetch moves to one interval after this one finishes.
   *
   * @return completes with what the set did with the fetched bundle, or exceptionally with why the
   *     fetch failed
   */
  public CompletionStage<BundleSet.UpdateResult> refreshNow() {
    // A dependent stage, so that callers cannot complete the attempt's own future.
    return fetch().thenApply(r -> r);
  }

  /** The trust domain this refresher keeps fresh. */
  public TrustDomain trustDomain() {
    return domain;
  }

  /** When the last fetch succeeded (by the injected clock), if one has. */
  public Optional<Instant> lastSuccess() {
    synchronized (lock) {
      return Optional.ofNullable(lastSuccess);
    }
  }

  /** Failed fetches since the last successful one. */
  public int consecutiveFailures() {
    synchronized (lock) {
      return consecutiveFailures;
    }
  }

  /** Why the most recent failed fetch failed, if one has. */
  public Optional<Throwable> lastFailure() {
    synchronized (lock) {
      return Optional.ofNullable(lastFailure);
    }
  }

  /** What the set did with the most recently fetched bundle, if one was fetched. */
  public Optional<BundleSet.UpdateResult> lastResult() {
    synchronized (lock) {
      return Optional.ofNullable(lastResult);
    }
  }

  /** How many times the source has been called. */
  public long fetchCount() {
    synchronized (lock) {
      return fetches;
    }
  }

  /**
   * The delay before the next fetch: the stored bundle's refresh hint (or the default), kept within
   * {@link #MIN_REFRESH_INTERVAL} and {@link #MAX_REFRESH_INTERVAL}.
   */
  public Duration currentInterval() {
    Duration hint =
        bundles
            .get(domain)
            .map(TrustBundle::effectiveRefreshHint)
            .orElse(TrustBundle.DEFAULT_REFRESH_HINT);
    if (hint.compareTo(MIN_REFRESH_INTERVAL) < 0) {
      return MIN_REFRESH_INTERVAL;
    }
    return hint.compareTo(MAX_REFRESH_INTERVAL) > 0 ? MAX_REFRESH_INTERVAL : hint;
  }

  /** Stops scheduling; a fetch in flight is abandoned and its answer ignored. Idempotent. */
  @Override
  public void close() {
    Attempt abandoned;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      cancel(nextRun);
      nextRun = null;
      abandoned = inFlight;
      inFlight = null;
      if (abandoned != null) {
        abandoned.done = true;
        cancel(abandoned.timeout);
      }
    }
    if (abandoned != null) {
      abandoned.result.completeExceptionally(closedException());
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "BundleRefresher{domain="
          + domain
          + ", fetches="
          + fetches
          + ", consecutiveFailures="
          + consecutiveFailures
          + ", lastSuccess="
          + lastSuccess
          + (closed ? ", closed" : "")
          + "}";
    }
  }

  private void runScheduled() {
    synchronized (lock) {
      if (closed || inFlight != null) {
        return;
      }
      nextRun = null;
    }
    fetch();
  }

  private CompletableFuture<BundleSet.UpdateResult> fetch() {
    Attempt attempt;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(closedException());
      }
      if (inFlight != null) {
        return inFlight.result;
      }
      cancel(nextRun);
      nextRun = null;
      attempt = new Attempt();
      inFlight = attempt;
      fetches++;
      attempt.timeout =
          scheduler.schedule(
              () ->
                  finish(
                      attempt,
                      null,
                      new TimeoutException(
                          "trust domain '"
                              + domain
                              + "': bundle fetch took longer than "
                              + fetchTimeout)),
              fetchTimeout);
    }
    CompletionStage<TrustBundle> stage;
    try {
      stage = source.fetch(domain);
    } catch (RuntimeException e) {
      finish(attempt, null, e);
      return attempt.result;
    }
    if (stage == null) {
      finish(attempt, null, new IllegalStateException("bundle source returned no stage"));
    } else {
      stage.whenComplete((bundle, error) -> finish(attempt, bundle, error));
    }
    return attempt.result;
  }

  private void finish(Attempt attempt, TrustBundle bundle, Throwable error) {
    synchronized (lock) {
      if (attempt.done) {
        return;
      }
      attempt.done = true;
      if (inFlight == attempt) {
        inFlight = null;
      }
      cancel(attempt.timeout);
    }
    Throwable failure = unwrap(error);
    BundleSet.UpdateResult result = null;
    if (failure == null) {
      if (bundle == null) {
        failure = new IllegalStateException("bundle source returned no bundle");
      } else if (!bundle.trustDomain().equals(domain)) {
        failure =
            new BundleFormatException(
                "bundle source for trust domain '"
                    + domain
                    + "' returned a bundle of '"
                    + bundle.trustDomain()
                    + "' (expected: the same domain; domains are never merged)");
      } else {
        try {
          result = bundles.update(bundle);
        } catch (RuntimeException e) {
          failure = e;
        }
      }
    }
    synchronized (lock) {
      if (failure == null) {
        lastSuccess = clock.instant();
        consecutiveFailures = 0;
        lastResult = result;
      } else {
        consecutiveFailures++;
        lastFailure = failure;
      }
      if (started && !closed && inFlight == null) {
        cancel(nextRun);
        nextRun = scheduler.schedule(this::runScheduled, currentInterval());
      }
    }
    if (failure == null) {
      attempt.result.complete(result);
    } else {
      attempt.result.completeExceptionally(failure);
    }
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("bundle refresher of '" + domain + "' is closed");
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static void cancel(Future<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }

  /** One call to the source; finished once, by its answer, its timeout or close. */
  private static final class Attempt {
    final CompletableFuture<BundleSet.UpdateResult> result = new CompletableFuture<>();
    Future<?> timeout;
    boolean done; // guarded by the refresher's lock
  }

  /** Configures a {@link BundleRefresher}; see {@link BundleRefresher#builder}. */
  public static final class Builder {
    private final TrustDomain domain;
    private final BundleSet bundles;
    private final BundleSource source;
    private Clock clock = Clock.systemUTC();
    private Scheduler scheduler;
    private Duration fetchTimeout = DEFAULT_FETCH_TIMEOUT;
    private Duration initialDelay = Duration.ZERO;

    Builder(TrustDomain domain, BundleSet bundles, BundleSource source) {
      this.domain = Objects.requireNonNull(domain, "domain");
      this.bundles = Objects.requireNonNull(bundles, "bundles");
      this.source = Objects.requireNonNull(source, "source");
      if (domain.equals(bundles.localDomain())) {
        throw new IllegalArgumentException(
            "trust domain '"
                + domain
                + "' is the local domain (expected: a federated domain; the local bundle comes"
                + " from the local CA)");
      }
    }

    /**
     * The clock that stamps {@link BundleRefresher#lastSuccess()}; default the UTC system clock.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where fetches and timeouts are scheduled. Required. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Schedules on {@code executor}; see {@link Scheduler#of}. */
    public Builder scheduler(ScheduledExecutorService executor) {
      return scheduler(Scheduler.of(executor));
    }

    /**
     * How long a fetch may take before it counts as failed; default {@link #DEFAULT_FETCH_TIMEOUT}.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder fetchTimeout(Duration fetchTimeout) {
      Objects.requireNonNull(fetchTimeout, "fetchTimeout");
      if (fetchTimeout.isNegative() || fetchTimeout.isZero()) {
        throw new IllegalArgumentException(
            "fetchTimeout: " + fetchTimeout + " (expected: a positive duration)");
      }
      this.fetchTimeout = fetchTimeout;
      return this;
    }

    /**
     * Delay from {@link BundleRefresher#start()} to the first fetch; default zero, so a freshly
     * started refresher learns about a rotation that happened while it was down.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder initialDelay(Duration initialDelay) {
      Objects.requireNonNull(initialDelay, "initialDelay");
      if (initialDelay.isNegative()) {
        throw new IllegalArgumentException(
            "initialDelay: " + initialDelay + " (expected: zero or more)");
      }
      this.initialDelay = initialDelay;
      return this;
    }

    /**
     * The refresher, not yet started.
     *
     * @throws IllegalStateException if no scheduler was given
     */
    public BundleRefresher build() {
      if (scheduler == null) {
        throw new IllegalStateException(
            "scheduler: not set (expected: a Scheduler or ScheduledExecutorService)");
      }
      return new BundleRefresher(this);
    }
  }
}
