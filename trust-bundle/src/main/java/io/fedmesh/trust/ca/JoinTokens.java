package io.fedmesh.trust.ca;

import io.fedmesh.trust.ca.IssuanceException.Reason;
import io.fedmesh.trust.internal.Crypto;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Join tokens: one-time (or few-time) bootstrap secrets, each scoped to one SPIFFE ID and valid
 * until an expiry. Only a SHA-256 of each token is kept. A spent or expired token is kept as a
 * tombstone until its expiry so that reuse is reported as reuse. Thread-safe.
 *
 * <p>A use is spent when the token is attested, that is after the CSR itself was found well-formed:
 * a malformed request does not burn a workload's only token, but a request for an identity the
 * token does not cover does (that is misuse, not a mistake to retry).
 */
public final class JoinTokens implements Attestor {
  /** Token prefix, so that a leaked token is recognisable in logs and by secret scanners. */
  public static final String PREFIX = "fmjt_";

  /** Default lifetime of a join token. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);

  private static final int MAX_TOKENS = 100_000;

  private final Clock clock;
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  private static final class Grant {
    final SpiffeId id;
    final Instant expiresAt;
    int remainingUses;

    Grant(SpiffeId id, Instant expiresAt, int uses) {
      this.id = id;
      this.expiresAt = expiresAt;
      this.remainingUses = uses;
    }
  }

  public JoinTokens(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Issues a token for {@code id}, valid for {@code ttl} and {@code uses} issuances (1 = single
   * use).
   */
  public String issue(SpiffeId id, Duration ttl, int uses) {
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(30)) > 0) {
      throw new IllegalArgumentException("join token ttl: " + ttl + " (expected: 1s..30d)");
    }
    if (uses < 1 || uses > 1000) {
      throw new IllegalArgumentException("join token uses: " + uses + " (expected: 1..1000)");
    }
    purgeExpired();
    if (grants.size() >= MAX_TOKENS) {
      throw new IllegalStateException(
          "too many outstanding join tokens (" + MAX_TOKENS + "); let some expire first");
    }
    String token = newToken();
    grants.put(fingerprint(token), new Grant(id, clock.instant().plus(ttl), uses));
    return token;
  }

  /**
   * A fresh random token ({@value #PREFIX} and 32 random bytes, base64url), for stores other than
   * this class's memory (the controller keeps them in its catalog).
   */
  public static String newToken() {
    byte[] secret = new byte[32];
    Crypto.random().nextBytes(secret);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** Whether {@code token} has the shape of a join token (checked before any lookup). */
  public static boolean wellFormed(String token) {
    return token != null && token.startsWith(PREFIX) && token.length() <= 128;
  }

  @Override
  public Entitlement attest(BootstrapCredential credential) {
    if (!(credential instanceof JoinTokenCredential)) {
      throw new IssuanceException(Reason.UNAUTHENTICATED, "expected a join token");
    }
    String token = ((JoinTokenCredential) credential).token();
    if (!wellFormed(token)) {
      throw new IssuanceException(
          Reason.UNAUTHENTICATED, "join token is malformed (expected: " + PREFIX + "...)");
    }
    Instant now = clock.instant();
    Grant g = grants.get(fingerprint(token));
    if (g == null) {
      throw new IssuanceException(Reason.UNAUTHENTICATED, "join token is unknown");
    }
    synchronized (g) {
      if (now.isAfter(g.expiresAt)) {
        throw new IssuanceException(
            Reason.UNAUTHENTICATED,
            "join token for " + g.id + " expired at " + g.expiresAt + " (issue a new one)");
      }
      if (g.remainingUses <= 0) {
        throw new IssuanceException(
            Reason.UNAUTHENTICATED,
            "join token for "
                + g.id
                + " was already used (tokens are single-use; issue a new one)");
      }
      g.remainingUses--;
    }
    return Entitlement.exactly(g.id);
  }

  /** How many tokens are held (live or tombstoned). */
  public int size() {
    return grants.size();
  }

  private void purgeExpired() {
    Instant now = clock.instant();
    grants.values().removeIf(g -> now.isAfter(g.expiresAt));
  }

  /** The SHA-256 of a token in hex: what a store keeps instead of the token. */
  public static String fingerprint(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing", e);
    }
  }
}
