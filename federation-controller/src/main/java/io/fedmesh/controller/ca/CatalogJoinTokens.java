package io.fedmesh.controller.ca;

import com.hazelcast.map.IMap;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.BootstrapCredential;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.IssuanceException;
import io.fedmesh.trust.ca.IssuanceException.Reason;
import io.fedmesh.trust.ca.JoinTokenCredential;
import io.fedmesh.trust.ca.JoinTokens;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Join tokens kept in the catalog (state map {@value #STATE}), so any replica redeems a token any
 * other replica issued, and a replica's loss forgets none. Only each token's SHA-256 is stored,
 * with the SPIFFE ID it is scoped to, its expiry and its remaining uses; a use is spent by an
 * atomic compare-and-replace, so two replicas cannot both spend a token's last use. A spent or
 * expired token stays as a tombstone for {@link #TOMBSTONE_GRACE} past its expiry, so reuse is
 * reported as reuse. Calls block (Hazelcast): keep them off event loops.
 */
public final class CatalogJoinTokens implements Attestor {
  /** The catalog state map holding the tokens. */
  public static final String STATE = "join-tokens";

  /** Longest token lifetime. */
  public static final Duration MAX_TTL = Duration.ofDays(30);

  /** Most uses of one token. */
  public static final int MAX_USES = 1000;

  /** How long a spent or expired token is remembered past its expiry. */
  public static final Duration TOMBSTONE_GRACE = Duration.ofHours(1);

  private final Catalog catalog;
  private final Clock clock;

  /** The stored form of one token. */
  record Grant(String spiffeId, long expiresAtMillis, int remainingUses) {}

  public CatalogJoinTokens(Catalog catalog, Clock clock) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Issues a token for {@code id}, valid for {@code ttl} (1s..30d) and {@code uses} (1..1000)
   * signings.
   *
   * @throws IllegalArgumentException naming the bad argument and what is allowed
   */
  public String issue(SpiffeId id, Duration ttl, int uses) {
    Objects.requireNonNull(id, "id");
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: 1s..30d)");
    }
    if (uses < 1 || uses > MAX_USES) {
      throw new IllegalArgumentException("uses: " + uses + " (expected: 1.." + MAX_USES + ")");
    }
    String token = JoinTokens.newToken();
    Instant expires = clock.instant().plus(ttl);
    map()
        .set(
            JoinTokens.fingerprint(token),
            Catalog.encode(new Grant(id.toString(), expires.toEpochMilli(), uses)),
            ttl.plus(TOMBSTONE_GRACE).toMillis(),
            TimeUnit.MILLISECONDS);
    return token;
  }

  @Override
  public Entitlement attest(BootstrapCredential credential) {
    if (!(credential instanceof JoinTokenCredential jt)) {
      throw new IssuanceException(Reason.UNAUTHENTICATED, "expected a join token");
    }
    if (!JoinTokens.wellFormed(jt.token())) {
      throw new IssuanceException(
          Reason.UNAUTHENTICATED,
          "join token is malformed (expected: " + JoinTokens.PREFIX + "... from 'fedmesh token')");
    }
    String key = JoinTokens.fingerprint(jt.token());
    IMap<String, String> map = map();
    while (true) {
      String held = map.get(key);
      if (held == null) {
        throw new IssuanceException(
            Reason.UNAUTHENTICATED, "join token is unknown (never issued, or long expired)");
      }
      Grant g = Catalog.decode(held, Grant.class);
      Instant expiry = Instant.ofEpochMilli(g.expiresAtMillis());
      if (clock.instant().isAfter(expiry)) {
        throw new IssuanceException(
            Reason.UNAUTHENTICATED,
            "join token for " + g.spiffeId() + " expired at " + expiry + " (issue a new one)");
      }
      if (g.remainingUses() <= 0) {
        throw new IssuanceException(
            Reason.UNAUTHENTICATED,
            "join token for " + g.spiffeId() + " was already used up (issue a new one)");
      }
      String spent =
          Catalog.encode(new Grant(g.spiffeId(), g.expiresAtMillis(), g.remainingUses() - 1));
      if (map.replace(key, held, spent)) {
        // Whether replace keeps an entry's TTL differs across Hazelcast versions: set it again.
        long keep = Duration.between(clock.instant(), expiry.plus(TOMBSTONE_GRACE)).toMillis();
        map.setTtl(key, Math.max(1, keep), TimeUnit.MILLISECONDS);
        return Entitlement.exactly(SpiffeId.parse(g.spiffeId()));
      }
    }
  }

  private IMap<String, String> map() {
    return catalog.state(STATE);
  }
}
