package io.fedmesh.trust.bundle;

import io.fedmesh.trust.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The X.509 authorities of one trust domain at one sequence number. Immutable.
 *
 * @param trustDomain the domain these authorities vouch for; never another's
 * @param x509Authorities root (or intermediate) CA certificates, at least one, no duplicates
 * @param sequence {@code spiffe_sequence}: a newer bundle of the same domain has a greater one
 * @param refreshHint {@code spiffe_refresh_hint}, when the publisher gave one
 */
public record TrustBundle(
    TrustDomain trustDomain,
    List<X509Certificate> x509Authorities,
    long sequence,
    Optional<Duration> refreshHint) {

  /** Refresh interval assumed when a bundle carries no hint (SPIFFE suggests about 5 minutes). */
  public static final Duration DEFAULT_REFRESH_HINT = Duration.ofMinutes(5);

  public TrustBundle {
    Objects.requireNonNull(trustDomain, "trustDomain");
    x509Authorities = List.copyOf(x509Authorities);
    Objects.requireNonNull(refreshHint, "refreshHint");
    if (x509Authorities.isEmpty()) {
      throw new BundleFormatException(
          "bundle for trust domain '" + trustDomain + "' has no X.509 authorities");
    }
    if (refreshHint.isPresent() && (refreshHint.get().isNegative() || refreshHint.get().isZero())) {
      throw new BundleFormatException(
          "bundle for trust domain '"
              + trustDomain
              + "': refresh hint "
              + refreshHint.get()
              + " (expected: a positive duration)");
    }
  }

  /** A bundle with the given authorities, sequence and refresh hint. */
  public static TrustBundle of(
      TrustDomain trustDomain,
      List<X509Certificate> authorities,
      long sequence,
      Duration refreshHint) {
    return new TrustBundle(trustDomain, authorities, sequence, Optional.ofNullable(refreshHint));
  }

  /** The refresh interval to use: the hint, or {@link #DEFAULT_REFRESH_HINT}. */
  public Duration effectiveRefreshHint() {
    return refreshHint.orElse(DEFAULT_REFRESH_HINT);
  }

  /** This bundle with other authorities and the next sequence number. */
  public TrustBundle withAuthorities(List<X509Certificate> authorities) {
    return new TrustBundle(trustDomain, authorities, sequence + 1, refreshHint);
  }
}
