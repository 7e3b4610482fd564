package io.fedmesh.trust.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fedmesh.trust.spiffe.TrustDomain;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BundleRefresherTest {
  private static final TrustDomain LOCAL = TrustDomain.of("us-east.fedmesh.local");
  private static final TrustDomain WEST = TrustDomain.of("us-west.fedmesh.local");
  private static final X509Certificate LOCAL_ROOT = TestCerts.ca("local-root");
  private static final X509Certificate WEST_ROOT = TestCerts.ca("west-root");
  private static final X509Certificate WEST_ROOT_2 = TestCerts.ca("west-root-2");

  private final ManualScheduler scheduler = new ManualScheduler();

  private static TrustBundle west(long sequence, Duration hint, X509Certificate... roots) {
    return TrustBundle.of(WEST, List.of(roots), sequence, hint);
  }

  private static BundleSet setWithWest(TrustBundle west) {
    return BundleSet.builder(TrustBundle.of(LOCAL, List.of(LOCAL_ROOT), 1, null)).add(west).build();
  }

  /** A source that answers from a supplier and counts its calls. */
  private static final class CountingSource implements BundleSource {
    final List<Long> callTimes = new ArrayList<>();
    final ManualScheduler scheduler;
    volatile Supplier<CompletionStage<TrustBundle>> answer;

    CountingSource(ManualScheduler scheduler, Supplier<CompletionStage<TrustBundle>> answer) {
      this.scheduler = scheduler;
      this.answer = answer;
    }

    @Override
    public CompletionStage<TrustBundle> fetch(TrustDomain domain) {
      callTimes.add(scheduler.now().getEpochSecond());
      return answer.get();
    }

    int calls() {
      return callTimes.size();
    }
  }

  private BundleRefresher refresher(BundleSet set, BundleSource source) {
    return BundleRefresher.builder(WEST, set, source)
        .clock(scheduler.clock())
        .scheduler(scheduler)
        .build();
  }

  @Test
  void firstFetchRunsAtStartThenFollowsTheRefreshHint() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(60), WEST_ROOT));
    long[] sequence = {1};
    CountingSource source =
        new CountingSource(
            scheduler,
            () ->
                CompletableFuture.completedFuture(
                    west(++sequence[0], Duration.ofSeconds(60), WEST_ROOT)));
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.runDue();
    assertThat(source.calls()).isEqualTo(1);
    assertThat(set.get(WEST).orElseThrow().sequence()).isEqualTo(2);

    scheduler.advance(Duration.ofSeconds(59));
    assertThat(source.calls()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(source.calls()).isEqualTo(2);
    scheduler.advance(Duration.ofMinutes(10));
    assertThat(source.calls()).isEqualTo(12);
    assertThat(refresher.lastSuccess()).contains(scheduler.now());
    assertThat(refresher.consecutiveFailures()).isZero();
    refresher.close();
  }

  @Test
  void aNewHintTakesEffectFromTheNextFetch() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(60), WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler,
            () -> CompletableFuture.completedFuture(west(2, Duration.ofSeconds(10), WEST_ROOT)));
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.runDue();
    assertThat(refresher.currentInterval()).isEqualTo(Duration.ofSeconds(10));
    scheduler.advance(Duration.ofSeconds(10));

    assertThat(source.calls()).isEqualTo(2);
    refresher.close();
  }

  @Test
  void defaultHintIsUsedWhenTheBundleHasNone() {
    BundleSet set = setWithWest(west(1, null, WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler, () -> CompletableFuture.completedFuture(west(1, null, WEST_ROOT)));
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.runDue();
    scheduler.advance(TrustBundle.DEFAULT_REFRESH_HINT.minusSeconds(1));
    assertThat(source.calls()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(source.calls()).isEqualTo(2);
    refresher.close();
  }

  @Test
  void unknownDomainIsAddedOnFirstFetch() {
    BundleSet set = BundleSet.of(TrustBundle.of(LOCAL, List.of(LOCAL_ROOT), 1, null));
    CountingSource source =
        new CountingSource(
            scheduler,
            () -> CompletableFuture.completedFuture(west(3, Duration.ofSeconds(30), WEST_ROOT)));
    BundleRefresher refresher = refresher(set, source);

    assertThat(refresher.currentInterval()).isEqualTo(TrustBundle.DEFAULT_REFRESH_HINT);
    refresher.start();
    scheduler.runDue();

    assertThat(set.get(WEST).orElseThrow().sequence()).isEqualTo(3);
    assertThat(refresher.lastResult().orElseThrow().status())
        .isEqualTo(BundleSet.UpdateResult.Status.ADDED);
    refresher.close();
  }

  @Test
  void failureIsRetriedAtTheNextIntervalNotInATightLoop() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(30), WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler, () -> CompletableFuture.failedFuture(new IOException("connection refused")));
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.runDue();
    assertThat(source.calls()).isEqualTo(1);
    assertThat(refresher.consecutiveFailures()).isEqualTo(1);
    assertThat(refresher.lastFailure().orElseThrow()).hasMessage("connection refused");

    scheduler.advance(Duration.ofSeconds(29));
    assertThat(source.calls()).as("no retry before the interval").isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(source.calls()).isEqualTo(2);

    scheduler.advance(Duration.ofMinutes(5));
    assertThat(source.calls()).as("once per 30 s interval").isEqualTo(12);
    assertThat(source.callTimes)
        .as("exactly 30 s apart")
        .satisfies(
            times -> {
              for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).isEqualTo(30);
              }
            });
    assertThat(refresher.consecutiveFailures()).isEqualTo(12);
    assertThat(refresher.lastSuccess()).isEmpty();
    assertThat(set.get(WEST).orElseThrow().sequence())
        .as("failures never drop the stored bundle")
        .isEqualTo(1);
    assertThat(scheduler.pending()).isEqualTo(1);

    source.answer =
        () -> CompletableFuture.completedFuture(west(2, Duration.ofSeconds(30), WEST_ROOT_2));
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(refresher.consecutiveFailures()).isZero();
    assertThat(refresher.lastSuccess()).contains(scheduler.now());
    assertThat(set.get(WEST).orElseThrow().sequence()).isEqualTo(2);
    refresher.close();
  }

  @Test
  void sourceThrowingSynchronouslyIsAFailureRetriedAtTheNextInterval() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(30), WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler,
            () -> {
              throw new IllegalStateException("boom");
            });
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.advance(Duration.ofSeconds(90));

    assertThat(source.calls()).isEqualTo(4); // at 0, 30, 60, 90
    assertThat(refresher.consecutiveFailures()).isEqualTo(4);
    assertThat(refresher.lastFailure().orElseThrow()).hasMessage("boom");
    refresher.close();
  }

  @Test
  void staleResultIsNotAppliedAndCountsAsSuccess() {
    TrustBundle stored = west(5, Duration.ofSeconds(30), WEST_ROOT);
    BundleSet set = setWithWest(stored);
    CountingSource source =
        new CountingSource(
            scheduler,
            () -> CompletableFuture.completedFuture(west(5, Duration.ofSeconds(30), WEST_ROOT_2)));
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.runDue();

    assertThat(set.get(WEST)).containsSame(stored);
    assertThat(set.version()).isEqualTo(1);
    BundleSet.UpdateResult result = refresher.lastResult().orElseThrow();
    assertThat(result.status()).isEqualTo(BundleSet.UpdateResult.Status.STALE);
    assertThat(result.storedSequence()).hasValue(5);
    assertThat(refresher.consecutiveFailures()).isZero();
    assertThat(refresher.lastSuccess()).isPresent();
    refresher.close();
  }

  @Test
  void bundleOfAnotherDomainIsAFailureAndNotApplied() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(30), WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler,
            () ->
                CompletableFuture.completedFuture(
                    TrustBundle.of(LOCAL, List.of(WEST_ROOT_2), 99, null)));
    BundleRefresher refresher = refresher(set, source).start();

    scheduler.runDue();

    assertThat(refresher.consecutiveFailures()).isEqualTo(1);
    assertThat(refresher.lastFailure().orElseThrow())
        .isInstanceOf(BundleFormatException.class)
        .hasMessageContaining("returned a bundle of 'us-east.fedmesh.local'");
    assertThat(set.localBundle().sequence()).isEqualTo(1);
    assertThat(set.version()).isEqualTo(1);
    refresher.close();
  }

  @Test
  void hungFetchTimesOutAndItsLateAnswerIsIgnored() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(60), WEST_ROOT));
    CompletableFuture<TrustBundle> hung = new CompletableFuture<>();
    CountingSource source = new CountingSource(scheduler, () -> hung);
    BundleRefresher refresher =
        BundleRefresher.builder(WEST, set, source)
            .clock(scheduler.clock())
            .scheduler(scheduler)
            .fetchTimeout(Duration.ofSeconds(5))
            .build()
            .start();

    scheduler.runDue();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(refresher.consecutiveFailures()).isEqualTo(1);
    assertThat(refresher.lastFailure().orElseThrow()).isInstanceOf(TimeoutException.class);

    hung.complete(west(2, Duration.ofSeconds(60), WEST_ROOT_2));
    assertThat(set.get(WEST).orElseThrow().sequence()).isEqualTo(1);

    scheduler.advance(Duration.ofSeconds(59));
    assertThat(source.calls()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(source.calls()).isEqualTo(2);
    refresher.close();
  }

  @Test
  void refreshNowFetchesAtOnceAndMovesTheSchedule() throws Exception {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(60), WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler,
            () -> CompletableFuture.completedFuture(west(2, Duration.ofSeconds(60), WEST_ROOT)));
    BundleRefresher refresher =
        BundleRefresher.builder(WEST, set, source)
            .clock(scheduler.clock())
            .scheduler(scheduler)
            .initialDelay(Duration.ofSeconds(60))
            .build()
            .start();
    scheduler.advance(Duration.ofSeconds(30));

    BundleSet.UpdateResult result = refresher.refreshNow().toCompletableFuture().get();

    assertThat(result.status()).isEqualTo(BundleSet.UpdateResult.Status.REPLACED);
    assertThat(source.calls()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(59));
    assertThat(source.calls()).as("the old 60 s tick was cancelled").isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(source.calls()).isEqualTo(2);
    refresher.close();
  }

  @Test
  void refreshNowReportsAFailure() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(60), WEST_ROOT));
    BundleRefresher refresher =
        refresher(set, domain -> CompletableFuture.failedFuture(new IOException("403")));

    assertThatThrownBy(() -> refresher.refreshNow().toCompletableFuture().get())
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("403");
    assertThat(scheduler.pending()).as("not started: nothing scheduled").isZero();
  }

  @Test
  void closeStopsFetching() {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(10), WEST_ROOT));
    CountingSource source =
        new CountingSource(
            scheduler,
            () -> CompletableFuture.completedFuture(west(1, Duration.ofSeconds(10), WEST_ROOT)));
    BundleRefresher refresher = refresher(set, source).start();
    scheduler.runDue();

    refresher.close();
    scheduler.advance(Duration.ofMinutes(10));

    assertThat(source.calls()).isEqualTo(1);
    assertThat(scheduler.pending()).isZero();
    assertThatThrownBy(() -> refresher.refreshNow().toCompletableFuture().get())
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(refresher::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void localDomainIsRefused() {
    BundleSet set = setWithWest(west(1, null, WEST_ROOT));

    assertThatThrownBy(
            () -> BundleRefresher.builder(LOCAL, set, d -> CompletableFuture.completedFuture(null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is the local domain");
  }

  @Test
  void schedulerIsRequired() {
    BundleSet set = setWithWest(west(1, null, WEST_ROOT));
    BundleRefresher.Builder builder =
        BundleRefresher.builder(WEST, set, d -> CompletableFuture.completedFuture(null));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("scheduler");
  }

  @Test
  void runsOnARealScheduledExecutor() throws Exception {
    BundleSet set = setWithWest(west(1, Duration.ofSeconds(60), WEST_ROOT));
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try (BundleRefresher refresher =
        BundleRefresher.builder(
                WEST,
                set,
                d -> CompletableFuture.completedFuture(west(2, Duration.ofSeconds(60), WEST_ROOT)))
            .scheduler(executor)
            .build()
            .start()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> set.get(WEST).orElseThrow().sequence() == 2);
      assertThat(refresher.fetchCount()).isEqualTo(1);
    } finally {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
