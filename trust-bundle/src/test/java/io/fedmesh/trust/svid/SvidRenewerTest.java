package io.fedmesh.trust.svid;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.OperatorCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SvidRenewerTest {
  private static final TrustDomain TD = TrustDomain.of("us-east.fedmesh.local");
  private static final SpiffeId ID =
      SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/web");
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final CertificateAuthority ca = CertificateAuthority.builder(TD).build();
  private final SvidIssuer issuer =
      SvidIssuer.builder(ca).attestor(Attestor.operator(op -> Entitlement.anyIn(TD))).build();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private SvidRenewer.SvidSource source(Duration ttl, AtomicInteger calls) {
    return (csr, current) -> {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture(
          issuer.issue(csr.der(), new OperatorCredential("test"), ttl));
    };
  }

  @Test
  void renewsAtHalfLifeWithAFreshKeyEachTime() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<Svid> seen = new CopyOnWriteArrayList<>();
    try (SvidRenewer renewer =
        SvidRenewer.builder(ID, source(Duration.ofSeconds(2), calls), scheduler).build()) {
      renewer.addListener(seen::add);
      Svid first = renewer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(first.id()).isEqualTo(ID);
      // A 2 s SVID is renewed about every second.
      Awaitility.await().atMost(Duration.ofSeconds(6)).until(() -> seen.size() >= 3);
      assertThat(seen.get(1).privateKey()).isNotEqualTo(seen.get(0).privateKey());
      assertThat(seen.get(1).serialHex()).isNotEqualTo(seen.get(0).serialHex());
      // The renewer's current SVID is one its listeners hear of (a renewal in progress may have
      // set it just before telling them).
      Svid current = renewer.current();
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(current));
      assertThat(renewer.consecutiveFailures()).isZero();
    }
  }

  @Test
  void renewalDelayIsHalfTheLifetime() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (SvidRenewer renewer =
        SvidRenewer.builder(ID, source(Duration.ofHours(24), calls), scheduler).build()) {
      Svid svid = renewer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
      Duration delay = renewer.delayUntilRenewal(svid);
      assertThat(delay).isBetween(Duration.ofHours(11).plusMinutes(59), Duration.ofHours(12));
    }
  }

  @Test
  void failedRenewalKeepsTheCurrentSvidAndRetriesWithBackoff() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    SvidRenewer.SvidSource good = source(Duration.ofHours(1), calls);
    AtomicInteger failuresLeft = new AtomicInteger(0);
    SvidRenewer.SvidSource flaky =
        (csr, current) -> {
          if (failuresLeft.getAndDecrement() > 0) {
            calls.incrementAndGet();
            return CompletableFuture.<List<X509Certificate>>failedFuture(
                new IllegalStateException("controller unreachable"));
          }
          return good.sign(csr, current);
        };
    try (SvidRenewer renewer = SvidRenewer.builder(ID, flaky, scheduler).build()) {
      Svid first = renewer.start().toCompletableFuture().get(5, TimeUnit.SECONDS);
      failuresLeft.set(1);
      renewer.renew();
      Awaitility.await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> renewer.consecutiveFailures() == 1);
      assertThat(renewer.current()).isSameAs(first);
      // The retry comes after about a second (backoff), not in a tight loop.
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> renewer.current() != first && renewer.consecutiveFailures() == 0);
      assertThat(calls.get()).isEqualTo(3);
    }
  }

  @Test
  void retryDelayDoublesAndIsCapped() {
    assertThat(SvidRenewer.retryDelay(1))
        .isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
    assertThat(SvidRenewer.retryDelay(3))
        .isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
    assertThat(SvidRenewer.retryDelay(50)).isLessThanOrEqualTo(Duration.ofSeconds(36));
  }

  @Test
  void anSvidForAnotherIdIsRefused() throws Exception {
    SpiffeId other = SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/other");
    SvidRenewer.SvidSource wrong =
        (csr, current) ->
            CompletableFuture.completedFuture(
                issuer.issue(
                    CertificateRequest.create(other, csr.keyPair()).der(),
                    new OperatorCredential("t"),
                    Duration.ofHours(1)));
    try (SvidRenewer renewer = SvidRenewer.builder(ID, wrong, scheduler).build()) {
      CompletableFuture<Svid> f = renewer.start().toCompletableFuture();
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(f::isDone);
      assertThat(f).isCompletedExceptionally();
      assertThat(renewer.current()).isNull();
      assertThat(renewer.consecutiveFailures()).isEqualTo(1);
    }
  }
}
