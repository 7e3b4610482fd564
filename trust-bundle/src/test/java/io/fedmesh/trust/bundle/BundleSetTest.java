package io.fedmesh.trust.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.trust.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BundleSetTest {
  private static final TrustDomain LOCAL = TrustDomain.of("us-east.fedmesh.local");
  private static final TrustDomain WEST = TrustDomain.of("us-west.fedmesh.local");
  private static final TrustDomain EU = TrustDomain.of("eu.fedmesh.local");

  private static final X509Certificate LOCAL_ROOT = TestCerts.ca("local-root");
  private static final X509Certificate WEST_ROOT = TestCerts.ca("west-root");
  private static final X509Certificate WEST_ROOT_2 = TestCerts.ca("west-root-2");
  private static final X509Certificate EU_ROOT = TestCerts.ca("eu-root");

  private static TrustBundle bundle(TrustDomain domain, long sequence, X509Certificate... roots) {
    return TrustBundle.of(domain, List.of(roots), sequence, Duration.ofMinutes(5));
  }

  private static BundleSet localAndWest() {
    return BundleSet.builder(bundle(LOCAL, 1, LOCAL_ROOT)).add(bundle(WEST, 5, WEST_ROOT)).build();
  }

  @Test
  void ofHoldsOnlyTheLocalBundle() {
    TrustBundle local = bundle(LOCAL, 1, LOCAL_ROOT);

    BundleSet set = BundleSet.of(local);

    assertThat(set.localDomain()).isEqualTo(LOCAL);
    assertThat(set.localBundle()).isSameAs(local);
    assertThat(set.domains()).containsExactly(LOCAL);
    assertThat(set.get(WEST)).isEmpty();
    assertThat(set.version()).isEqualTo(1);
  }

  @Test
  void builderRejectsTwoBundlesOfOneDomain() {
    BundleSet.Builder builder = BundleSet.builder(bundle(LOCAL, 1, LOCAL_ROOT));

    assertThatThrownBy(() -> builder.add(bundle(LOCAL, 2, LOCAL_ROOT)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'us-east.fedmesh.local' already has a bundle");
  }

  @Test
  void higherSequenceReplacesTheStoredBundle() {
    BundleSet set = localAndWest();
    TrustBundle newer = bundle(WEST, 6, WEST_ROOT, WEST_ROOT_2);

    BundleSet.UpdateResult result = set.update(newer);

    assertThat(result.status()).isEqualTo(BundleSet.UpdateResult.Status.REPLACED);
    assertThat(result.applied()).isTrue();
    assertThat(result.storedSequence()).hasValue(5);
    assertThat(result.offeredSequence()).isEqualTo(6);
    assertThat(set.get(WEST)).containsSame(newer);
    assertThat(set.version()).isEqualTo(2);
    assertThat(result.version()).isEqualTo(2);
  }

  @Test
  void equalSequenceIsStaleAndNotApplied() {
    BundleSet set = localAndWest();
    TrustBundle stored = set.get(WEST).orElseThrow();

    BundleSet.UpdateResult result = set.update(bundle(WEST, 5, WEST_ROOT_2));

    assertThat(result.status()).isEqualTo(BundleSet.UpdateResult.Status.STALE);
    assertThat(result.applied()).isFalse();
    assertThat(result.storedSequence()).hasValue(5);
    assertThat(result.offeredSequence()).isEqualTo(5);
    assertThat(result.toString()).contains("STALE", "offered sequence 5", "stored 5");
    assertThat(set.get(WEST)).containsSame(stored);
    assertThat(set.version()).isEqualTo(1);
  }

  @Test
  void lowerSequenceIsStaleAndNotApplied() {
    BundleSet set = localAndWest();

    BundleSet.UpdateResult result = set.update(bundle(WEST, 4, WEST_ROOT_2));

    assertThat(result.status()).isEqualTo(BundleSet.UpdateResult.Status.STALE);
    assertThat(result.storedSequence()).hasValue(5);
    assertThat(result.offeredSequence()).isEqualTo(4);
    assertThat(set.get(WEST).orElseThrow().x509Authorities()).containsExactly(WEST_ROOT);
  }

  @Test
  void sequenceComparesAsSixtyFourBit() {
    BundleSet set = BundleSet.of(bundle(LOCAL, 1, LOCAL_ROOT));
    set.update(bundle(WEST, (1L << 32) + 1, WEST_ROOT));

    assertThat(set.update(bundle(WEST, 2, WEST_ROOT_2)).applied()).isFalse();
    assertThat(set.update(bundle(WEST, Long.MAX_VALUE, WEST_ROOT_2)).applied()).isTrue();
  }

  @Test
  void newDomainIsAdded() {
    BundleSet set = localAndWest();

    BundleSet.UpdateResult result = set.update(bundle(EU, 0, EU_ROOT));

    assertThat(result.status()).isEqualTo(BundleSet.UpdateResult.Status.ADDED);
    assertThat(result.storedSequence()).isEmpty();
    assertThat(set.domains()).containsExactly(EU, LOCAL, WEST);
  }

  @Test
  void localDomainCanBeRotatedByUpdate() {
    BundleSet set = localAndWest();
    X509Certificate newRoot = TestCerts.ca("local-root-2");

    assertThat(set.update(bundle(LOCAL, 2, LOCAL_ROOT, newRoot)).applied()).isTrue();
    assertThat(set.localBundle().x509Authorities()).containsExactly(LOCAL_ROOT, newRoot);
  }

  @Test
  void authoritiesOfDifferentDomainsAreNeverMerged() {
    BundleSet set = localAndWest();
    set.update(bundle(EU, 1, EU_ROOT));
    set.update(bundle(WEST, 9, WEST_ROOT_2));

    assertThat(set.get(LOCAL).orElseThrow().x509Authorities()).containsExactly(LOCAL_ROOT);
    assertThat(set.get(EU).orElseThrow().x509Authorities()).containsExactly(EU_ROOT);
    assertThat(set.get(WEST).orElseThrow().x509Authorities()).containsExactly(WEST_ROOT_2);
  }

  @Test
  void removingTheLocalDomainIsRefused() {
    BundleSet set = localAndWest();

    assertThatThrownBy(() -> set.remove(LOCAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot remove the local trust domain");
    assertThat(set.domains()).contains(LOCAL);
    assertThat(set.version()).isEqualTo(1);
  }

  @Test
  void removingAFederatedDomainTakesEffectAtOnce() {
    BundleSet set = localAndWest();

    assertThat(set.remove(WEST)).isTrue();
    assertThat(set.get(WEST)).isEmpty();
    assertThat(set.version()).isEqualTo(2);
    assertThat(set.remove(WEST)).isFalse();
    assertThat(set.version()).isEqualTo(2);
  }

  @Test
  void snapshotIsImmutableAndDoesNotSeeLaterChanges() {
    BundleSet set = localAndWest();
    Map<TrustDomain, TrustBundle> before = set.snapshot();

    set.update(bundle(EU, 1, EU_ROOT));

    assertThat(before).containsOnlyKeys(LOCAL, WEST);
    assertThat(set.snapshot()).containsOnlyKeys(LOCAL, WEST, EU);
    assertThatThrownBy(() -> before.remove(WEST)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void replaceAllSwapsTheWholeContentAtOnce() {
    BundleSet set = localAndWest();
    AtomicInteger calls = new AtomicInteger();
    set.addListener(s -> calls.incrementAndGet());
    TrustBundle local = set.localBundle();

    boolean changed = set.replaceAll(List.of(bundle(LOCAL, 1, LOCAL_ROOT), bundle(EU, 1, EU_ROOT)));

    assertThat(changed).isTrue();
    assertThat(set.domains()).containsExactly(EU, LOCAL);
    assertThat(set.localBundle()).as("equal sequence keeps the stored bundle").isSameAs(local);
    assertThat(set.version()).isEqualTo(2);
    assertThat(calls).hasValue(1);
  }

  @Test
  void replaceAllWithTheSameContentChangesNothing() {
    BundleSet set = localAndWest();

    assertThat(set.replaceAll(set.snapshot().values())).isFalse();
    assertThat(set.version()).isEqualTo(1);
  }

  @Test
  void replaceAllIsAllOrNothingWhenOneBundleIsOlder() {
    BundleSet set = localAndWest();
    Map<TrustDomain, TrustBundle> before = set.snapshot();

    assertThatThrownBy(
            () ->
                set.replaceAll(
                    List.of(
                        bundle(LOCAL, 2, LOCAL_ROOT),
                        bundle(EU, 1, EU_ROOT),
                        bundle(WEST, 4, WEST_ROOT_2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "'us-west.fedmesh.local': spiffe_sequence 4 is older than the stored 5");
    assertThat(set.snapshot()).isEqualTo(before);
    assertThat(set.version()).isEqualTo(1);
  }

  @Test
  void replaceAllWithoutTheLocalDomainIsRefused() {
    BundleSet set = localAndWest();

    assertThatThrownBy(() -> set.replaceAll(List.of(bundle(WEST, 6, WEST_ROOT))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no bundle for the local trust domain");
    assertThat(set.version()).isEqualTo(1);
  }

  @Test
  void replaceAllWithADomainTwiceIsRefused() {
    BundleSet set = localAndWest();

    assertThatThrownBy(
            () ->
                set.replaceAll(
                    List.of(
                        bundle(LOCAL, 1, LOCAL_ROOT),
                        bundle(WEST, 6, WEST_ROOT),
                        bundle(WEST, 7, WEST_ROOT_2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'us-west.fedmesh.local' is listed twice");
  }

  @Test
  void listenerIsCalledOncePerAppliedChangeAndNotOnStale() {
    BundleSet set = localAndWest();
    List<Long> versionsSeen = new ArrayList<>();
    set.addListener(s -> versionsSeen.add(s.version()));

    set.update(bundle(WEST, 6, WEST_ROOT_2)); // applied
    set.update(bundle(WEST, 6, WEST_ROOT)); // stale, equal
    set.update(bundle(WEST, 3, WEST_ROOT)); // stale, lower
    set.update(bundle(EU, 1, EU_ROOT)); // applied
    set.remove(EU); // applied
    set.remove(EU); // nothing to remove

    assertThat(versionsSeen).containsExactly(2L, 3L, 4L);
  }

  @Test
  void closedListenerIsNoLongerCalled() {
    BundleSet set = localAndWest();
    AtomicInteger calls = new AtomicInteger();
    BundleSet.ListenerRegistration registration = set.addListener(s -> calls.incrementAndGet());

    set.update(bundle(WEST, 6, WEST_ROOT));
    registration.close();
    set.update(bundle(WEST, 7, WEST_ROOT));

    assertThat(calls).hasValue(1);
  }

  @Test
  void throwingListenerDoesNotBreakOthersOrTheUpdate() {
    BundleSet set = localAndWest();
    AtomicInteger before = new AtomicInteger();
    AtomicInteger after = new AtomicInteger();
    set.addListener(s -> before.incrementAndGet());
    set.addListener(
        s -> {
          throw new IllegalStateException("listener bug");
        });
    set.addListener(s -> after.incrementAndGet());

    BundleSet.UpdateResult result = set.update(bundle(WEST, 6, WEST_ROOT_2));

    assertThat(result.applied()).isTrue();
    assertThat(set.get(WEST).orElseThrow().sequence()).isEqualTo(6);
    assertThat(before).hasValue(1);
    assertThat(after).hasValue(1);
  }

  /**
   * A writer moves the local and a federated domain to the same sequence in each replaceAll; a
   * reader must never see them differ (a half-applied change) or the version go backwards.
   */
  @Test
  void concurrentReadersSeeEitherTheOldOrTheNewSnapshot() throws Exception {
    int updates = 2_000;
    int readers = 4;
    BundleSet set =
        BundleSet.builder(bundle(LOCAL, 0, LOCAL_ROOT)).add(bundle(WEST, 0, WEST_ROOT)).build();
    ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch go = new CountDownLatch(1);
    // The writer starts once every reader has made a pass, so the reads overlap the writes.
    CountDownLatch reading = new CountDownLatch(readers);
    try {
      List<Future<Integer>> reads = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        reads.add(
            pool.submit(
                () -> {
                  go.await();
                  int seen = 0;
                  long lastVersion = 0;
                  long lastSequence = 0;
                  do {
                    long version = set.version();
                    Map<TrustDomain, TrustBundle> snapshot = set.snapshot();
                    long local = snapshot.get(LOCAL).sequence();
                    long west = snapshot.get(WEST).sequence();
                    assertThat(west).as("one snapshot, one change").isEqualTo(local);
                    assertThat(local).isGreaterThanOrEqualTo(lastSequence);
                    assertThat(version).isGreaterThanOrEqualTo(lastVersion);
                    lastVersion = version;
                    lastSequence = local;
                    if (seen++ == 0) {
                      reading.countDown();
                    }
                  } while (!done.get());
                  return seen;
                }));
      }
      Future<?> writer =
          pool.submit(
              () -> {
                go.await();
                reading.await(30, TimeUnit.SECONDS); // a reader that failed does not block it
                for (long seq = 1; seq <= updates; seq++) {
                  X509Certificate root = seq % 2 == 0 ? WEST_ROOT : WEST_ROOT_2;
                  set.replaceAll(List.of(bundle(LOCAL, seq, LOCAL_ROOT), bundle(WEST, seq, root)));
                }
                return null;
              });
      go.countDown();
      writer.get(30, TimeUnit.SECONDS);
      done.set(true);
      for (Future<Integer> read : reads) {
        assertThat(read.get(30, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      done.set(true);
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(set.version()).isEqualTo(1 + updates);
    assertThat(set.localBundle().sequence()).isEqualTo(updates);
  }

  @Test
  void concurrentUpdatesKeepTheHighestSequence() throws Exception {
    BundleSet set = BundleSet.of(bundle(LOCAL, 1, LOCAL_ROOT));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger applied = new AtomicInteger();
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int offset = t;
        writers.add(
            pool.submit(
                () -> {
                  for (long seq = offset; seq < 2_000; seq += 4) {
                    if (set.update(bundle(WEST, seq, WEST_ROOT)).applied()) {
                      applied.incrementAndGet();
                    }
                  }
                }));
      }
      for (Future<?> writer : writers) {
        writer.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(set.get(WEST).orElseThrow().sequence()).isEqualTo(1_999);
    assertThat(set.version()).isEqualTo(1 + applied.get());
  }
}
