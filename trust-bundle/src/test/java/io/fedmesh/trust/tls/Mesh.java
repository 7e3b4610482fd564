package io.fedmesh.trust.tls;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Two trust domains with their CAs and a mutable bundle map: the test's little federation. */
final class Mesh {
  final Map<TrustDomain, TrustBundle> bundles = new ConcurrentHashMap<>();
  final Function<TrustDomain, Optional<TrustBundle>> lookup =
      d -> Optional.ofNullable(bundles.get(d));

  static CertificateAuthority ca(String domain) {
    return CertificateAuthority.builder(TrustDomain.of(domain)).build();
  }

  void trust(CertificateAuthority ca) {
    bundles.merge(
        ca.trustDomain(),
        TrustBundle.of(ca.trustDomain(), List.of(ca.root()), 1, null),
        (old, n) -> old.withAuthorities(List.of(ca.root())));
  }

  static Svid svid(CertificateAuthority ca, String path) {
    return svid(ca, path, Duration.ofHours(1));
  }

  static Svid svid(CertificateAuthority ca, String path, Duration ttl) {
    return SvidIssuer.issueLocally(
        ca, SpiffeId.parse(ca.trustDomain().idString() + path), KeyAlgorithm.EC_P256, ttl);
  }
}
