package io.fedmesh.trust.ca;

import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Rotates a trust domain's CA without breaking a connection, in three steps:
 *
 * <ol>
 *   <li>{@link #prepare}: the new CA's root joins the published bundle; signing stays with the old
 *       CA. Wait until every peer has the new bundle (a bundle refresh interval).
 *   <li>{@link #activate}: new SVIDs are signed by the new CA. Workloads renew onto it over their
 *       SVIDs' half-life.
 *   <li>{@link #retireExpired}: the old root leaves the bundle, but only once every SVID it signed
 *       has expired: the latest expiry among SVIDs this rotation saw it sign, and, for SVIDs signed
 *       before this object existed, the {@code previouslyIssuedUntil} bound (Linkerd's outage,
 *       linkerd2#4287, came from dropping a root too early).
 * </ol>
 *
 * <p>Each change to the bundle bumps its sequence number and is told to the listeners. Pass {@link
 * #issuanceListener()} to the {@link SvidIssuer} that signs with {@link #current()} so that
 * expiries are tracked. Thread-safe.
 */
public final class CaRotation {
  /** Where the rotation stands. */
  public enum Phase {
    /** One CA signs and one root is published. */
    STEADY,
    /** The next root is published; the old CA still signs. */
    PREPARED,
    /** The new CA signs; older roots stay published until their SVIDs expire. */
    DRAINING
  }

  private final Clock clock;
  private final TrustDomain trustDomain;
  private final Duration refreshHint;
  private final List<Consumer<TrustBundle>> listeners = new CopyOnWriteArrayList<>();
  private final Map<CertificateAuthority, Instant> issuedUntil = new IdentityHashMap<>();

  private CertificateAuthority current;
  private CertificateAuthority next;
  private final List<CertificateAuthority> draining = new ArrayList<>();
  private TrustBundle bundle;

  private CaRotation(Builder b) {
    this.clock = b.clock;
    this.current = b.initial;
    this.trustDomain = b.initial.trustDomain();
    this.refreshHint = b.refreshHint;
    Instant until =
        b.previouslyIssuedUntil != null
            ? b.previouslyIssuedUntil
            : clock.instant().plus(b.maxSvidTtl);
    issuedUntil.put(current, until);
    this.bundle = TrustBundle.of(trustDomain, roots(), b.initialSequence, refreshHint);
  }

  /** A rotation starting from {@code initial}. */
  public static Builder builder(CertificateAuthority initial) {
    return new Builder(initial);
  }

  /** The CA that signs now. */
  public synchronized CertificateAuthority current() {
    return current;
  }

  public synchronized Phase phase() {
    if (next != null) {
      return Phase.PREPARED;
    }
    return draining.isEmpty() ? Phase.STEADY : Phase.DRAINING;
  }

  /** The local trust domain's bundle as it should be published now. */
  public synchronized TrustBundle bundle() {
    return bundle;
  }

  /** Called with each new bundle, after the change, on the caller's thread. */
  public void addListener(Consumer<TrustBundle> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Records SVID expiries per CA; give it to the issuer. */
  public SvidIssuer.IssuanceListener issuanceListener() {
    return (ca, leaf) -> {
      synchronized (this) {
        Instant na = leaf.getNotAfter().toInstant();
        issuedUntil.merge(ca, na, (a, b) -> a.isAfter(b) ? a : b);
      }
    };
  }

  /** Step 1: publishes {@code nextCa}'s root beside the current one. */
  public void prepare(CertificateAuthority nextCa) {
    TrustBundle published;
    synchronized (this) {
      Objects.requireNonNull(nextCa, "nextCa");
      if (!nextCa.trustDomain().equals(trustDomain)) {
        throw new CaException(
            "cannot rotate '"
                + trustDomain
                + "' to a CA of trust domain '"
                + nextCa.trustDomain()
                + "'");
      }
      if (next != null) {
        throw new CaException(
            "a rotation of '" + trustDomain + "' is already prepared; activate it first");
      }
      if (nextCa == current) {
        throw new CaException("the next CA is the current one");
      }
      next = nextCa;
      published = republish();
    }
    notifyListeners(published);
  }

  /** Step 2: the prepared CA signs from now on; the old one drains. */
  public void activate() {
    TrustBundle published;
    synchronized (this) {
      if (next == null) {
        throw new CaException(
            "no rotation of '" + trustDomain + "' is prepared; call prepare first");
      }
      draining.add(current);
      current = next;
      next = null;
      published = republish();
    }
    notifyListeners(published);
  }

  /**
   * Step 3: drops the roots of drained CAs whose every SVID has expired.
   *
   * @return how many CAs were retired
   */
  public int retireExpired() {
    TrustBundle published = null;
    int retired = 0;
    synchronized (this) {
      Instant now = clock.instant();
      for (var it = draining.iterator(); it.hasNext(); ) {
        CertificateAuthority old = it.next();
        if (now.isAfter(retireAfter(old))) {
          it.remove();
          issuedUntil.remove(old);
          retired++;
        }
      }
      if (retired > 0) {
        published = republish();
      }
    }
    if (published != null) {
      notifyListeners(published);
    }
    return retired;
  }

  /** When a drained CA's root may leave the bundle. */
  public synchronized Instant retireAfter(CertificateAuthority ca) {
    Instant until = issuedUntil.get(ca);
    Instant caEnd = ca.notAfter();
    return until == null ? Instant.MIN : until.isBefore(caEnd) ? until : caEnd;
  }

  private TrustBundle republish() {
    List<X509Certificate> roots = roots();
    if (!sameCertificates(roots, bundle.x509Authorities())) {
      bundle = bundle.withAuthorities(roots);
    }
    return bundle;
  }

  private List<X509Certificate> roots() {
    List<X509Certificate> out = new ArrayList<>();
    addRoot(out, current);
    if (next != null) {
      addRoot(out, next);
    }
    for (CertificateAuthority ca : draining) {
      addRoot(out, ca);
    }
    return out;
  }

  private static void addRoot(List<X509Certificate> out, CertificateAuthority ca) {
    for (X509Certificate c : out) {
      if (c.equals(ca.root())) {
        return;
      }
    }
    out.add(ca.root());
  }

  /** Same authorities in any order: reordering roots is not a bundle change. */
  private static boolean sameCertificates(List<X509Certificate> a, List<X509Certificate> b) {
    return a.size() == b.size() && a.containsAll(b);
  }

  private void notifyListeners(TrustBundle b) {
    for (Consumer<TrustBundle> l : listeners) {
      try {
        l.accept(b);
      } catch (RuntimeException e) {
        // A failing listener must not stop the others from hearing of the new bundle.
      }
    }
  }

  /** Builds a {@link CaRotation}. */
  public static final class Builder {
    private final CertificateAuthority initial;
    private Clock clock = Clock.systemUTC();
    private Duration maxSvidTtl = SvidIssuer.DEFAULT_MAX_TTL;
    private Instant previouslyIssuedUntil;
    private long initialSequence = 1;
    private Duration refreshHint = TrustBundle.DEFAULT_REFRESH_HINT;

    Builder(CertificateAuthority initial) {
      this.initial = Objects.requireNonNull(initial, "initial");
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The issuer's maximum SVID TTL: SVIDs the initial CA signed before this rotation existed are
     * assumed to live until now plus this, unless {@link #previouslyIssuedUntil} says otherwise.
     */
    public Builder maxSvidTtl(Duration ttl) {
      this.maxSvidTtl = Objects.requireNonNull(ttl, "maxSvidTtl");
      return this;
    }

    /**
     * The latest expiry of any SVID the initial CA signed before this rotation existed; {@code
     * Instant.MIN} for a brand-new CA that has signed none.
     */
    public Builder previouslyIssuedUntil(Instant until) {
      this.previouslyIssuedUntil = Objects.requireNonNull(until, "previouslyIssuedUntil");
      return this;
    }

    /** Sequence number of the first published bundle (continue from the stored one). */
    public Builder initialSequence(long sequence) {
      if (sequence < 0) {
        throw new IllegalArgumentException("initialSequence: " + sequence + " (expected: >= 0)");
      }
      this.initialSequence = sequence;
      return this;
    }

    public Builder refreshHint(Duration hint) {
      this.refreshHint = Objects.requireNonNull(hint, "refreshHint");
      return this;
    }

    public CaRotation build() {
      return new CaRotation(this);
    }
  }
}
