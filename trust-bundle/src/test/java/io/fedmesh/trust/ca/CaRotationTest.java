package io.fedmesh.trust.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.CertificateRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CaRotationTest {
  private static final TrustDomain TD = TrustDomain.of("us-east.fedmesh.local");
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };

  private CertificateAuthority ca() {
    return CertificateAuthority.builder(TD).clock(clock).build();
  }

  private static void issue(SvidIssuer issuer, Duration ttl) {
    CertificateRequest csr =
        CertificateRequest.create(
            SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/a/sa/b"), KeyAlgorithm.EC_P256);
    issuer.issue(csr.der(), new OperatorCredential("t"), ttl);
  }

  @Test
  void oldRootStaysPublishedUntilEverySvidItSignedHasExpired() {
    CertificateAuthority first = ca();
    CaRotation rotation =
        CaRotation.builder(first).clock(clock).previouslyIssuedUntil(Instant.MIN).build();
    List<TrustBundle> published = new ArrayList<>();
    rotation.addListener(published::add);
    SvidIssuer issuer =
        SvidIssuer.builder(rotation::current)
            .attestor(Attestor.operator(op -> Entitlement.anyIn(TD)))
            .listener(rotation.issuanceListener())
            .build();
    issue(issuer, Duration.ofHours(2));
    assertThat(rotation.phase()).isEqualTo(CaRotation.Phase.STEADY);
    assertThat(rotation.bundle().sequence()).isEqualTo(1);

    CertificateAuthority second = ca();
    rotation.prepare(second);
    assertThat(rotation.phase()).isEqualTo(CaRotation.Phase.PREPARED);
    assertThat(rotation.current()).isSameAs(first);
    assertThat(rotation.bundle().x509Authorities()).containsExactly(first.root(), second.root());
    assertThat(rotation.bundle().sequence()).isEqualTo(2);

    rotation.activate();
    assertThat(rotation.current()).isSameAs(second);
    assertThat(rotation.phase()).isEqualTo(CaRotation.Phase.DRAINING);
    assertThat(rotation.bundle().sequence()).as("activation changes no root").isEqualTo(2);

    now.set(now.get().plus(Duration.ofHours(1)));
    assertThat(rotation.retireExpired()).isZero();
    assertThat(rotation.bundle().x509Authorities()).hasSize(2);

    now.set(now.get().plus(Duration.ofHours(1)).plusSeconds(1));
    assertThat(rotation.retireExpired()).isEqualTo(1);
    assertThat(rotation.phase()).isEqualTo(CaRotation.Phase.STEADY);
    assertThat(rotation.bundle().x509Authorities()).containsExactly(second.root());
    assertThat(rotation.bundle().sequence()).isEqualTo(3);
    assertThat(published).extracting(TrustBundle::sequence).containsExactly(2L, 2L, 3L);
  }

  @Test
  void svidsSignedBeforeTheRotationExistedAreAssumedToLiveUpToTheMaxTtl() {
    CertificateAuthority first = ca();
    CaRotation rotation =
        CaRotation.builder(first).clock(clock).maxSvidTtl(Duration.ofHours(24)).build();
    rotation.prepare(ca());
    rotation.activate();
    now.set(now.get().plus(Duration.ofHours(23)));
    assertThat(rotation.retireExpired()).isZero();
    now.set(now.get().plus(Duration.ofHours(1)).plusSeconds(1));
    assertThat(rotation.retireExpired()).isEqualTo(1);
  }

  @Test
  void activateWithoutPrepareIsRefused() {
    CaRotation rotation = CaRotation.builder(ca()).clock(clock).build();
    assertThatThrownBy(rotation::activate)
        .isInstanceOf(CaException.class)
        .hasMessageContaining("call prepare first");
  }

  @Test
  void preparingTwiceIsRefused() {
    CaRotation rotation = CaRotation.builder(ca()).clock(clock).build();
    rotation.prepare(ca());
    assertThatThrownBy(() -> rotation.prepare(ca()))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("already prepared");
  }

  @Test
  void rotatingToAnotherTrustDomainIsRefused() {
    CaRotation rotation = CaRotation.builder(ca()).clock(clock).build();
    CertificateAuthority other =
        CertificateAuthority.builder(TrustDomain.of("us-west.fedmesh.local")).clock(clock).build();
    assertThatThrownBy(() -> rotation.prepare(other))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("us-west.fedmesh.local");
  }

  @Test
  void aThrowingListenerDoesNotKeepTheBundleFromOthers() {
    CaRotation rotation = CaRotation.builder(ca()).clock(clock).build();
    List<Long> seen = new ArrayList<>();
    rotation.addListener(
        b -> {
          throw new IllegalStateException("boom");
        });
    rotation.addListener(b -> seen.add(b.sequence()));
    rotation.prepare(ca());
    assertThat(seen).containsExactly(2L);
  }
}
