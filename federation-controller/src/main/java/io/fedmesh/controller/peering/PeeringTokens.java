package io.fedmesh.controller.peering;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.hazelcast.map.IMap;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Issues and redeems peering tokens on the accepting side. Only a SHA-256 of each secret is kept,
 * in the catalog's {@value #STATE_MAP} state map (so any replica can redeem a token another
 * issued); redeeming marks the token used with a compare-and-set, so two concurrent redemptions
 * cannot both succeed. Expired tokens are purged when a new token is issued.
 */
final class PeeringTokens {
  static final String STATE_MAP = "peering-tokens";

  /** Default lifetime of a token. */
  static final Duration DEFAULT_TTL = Duration.ofMinutes(15);

  /** Longest lifetime allowed. */
  static final Duration MAX_TTL = Duration.ofDays(7);

  private static final SecureRandom RANDOM = new SecureRandom();

  /** What is stored per token: never the secret. */
  record Stored(
      @JsonProperty("secretSha256") String secretSha256,
      @JsonProperty("expiresAt") long expiresAtMillis,
      @JsonProperty("redeemedBy") String redeemedBy) {}

  private final Catalog catalog;
  private final Clock clock;

  PeeringTokens(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  /** A new token for {@code self}, valid for {@code ttl}. */
  PeeringToken issue(LocalCluster self, TrustBundle ownBundle, Duration ttl) {
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw PeeringException.invalid("ttl: " + ttl + " (expected: 1s.." + MAX_TTL + ")");
    }
    IMap<String, String> map = catalog.state(STATE_MAP);
    long now = clock.millis();
    map.removeAll(
        e -> Catalog.decode(e.getValue(), Stored.class).expiresAtMillis() < now - 86_400_000L);
    String id = random(12);
    String secret = random(32);
    long expires = now + ttl.toMillis();
    map.set(id, Catalog.encode(new Stored(sha256(secret), expires, "")));
    return new PeeringToken(
        self.cluster(),
        self.trustDomain().name(),
        self.gatewayHost(),
        self.gatewayPort(),
        self.bootstrapPort(),
        self.peeringPort(),
        BundleCodec.toJson(ownBundle),
        id,
        secret,
        expires);
  }

  /**
   * Checks {@code tokenId}/{@code secret} without using the token up.
   *
   * @return the stored form, to hand to {@link #consume}
   * @throws PeeringException unknown token, wrong secret, expired, or already redeemed
   */
  String check(String tokenId, String secret) {
    String held = tokenId == null || tokenId.isEmpty() ? null : map().get(tokenId);
    if (held == null) {
      throw PeeringException.denied("peering token '" + tokenId + "' is unknown to this cluster");
    }
    Stored s = Catalog.decode(held, Stored.class);
    if (!MessageDigest.isEqual(
        s.secretSha256().getBytes(StandardCharsets.US_ASCII),
        sha256(secret == null ? "" : secret).getBytes(StandardCharsets.US_ASCII))) {
      throw PeeringException.denied("peering token '" + tokenId + "': wrong secret");
    }
    if (!s.redeemedBy().isEmpty()) {
      throw PeeringException.denied(
          "peering token '"
              + tokenId
              + "' was already redeemed (by cluster '"
              + s.redeemedBy()
              + "'): tokens are single-use, issue a new one");
    }
    if (clock.millis() >= s.expiresAtMillis()) {
      throw PeeringException.denied(
          "peering token '"
              + tokenId
              + "' expired at "
              + Instant.ofEpochMilli(s.expiresAtMillis())
              + ": issue a new one");
    }
    return held;
  }

  /** Marks a checked token used by {@code dialer}; refuses if someone else got there first. */
  void consume(String tokenId, String held, String dialer) {
    Stored s = Catalog.decode(held, Stored.class);
    String used = Catalog.encode(new Stored(s.secretSha256(), s.expiresAtMillis(), dialer));
    if (!map().replace(tokenId, held, used)) {
      throw PeeringException.denied(
          "peering token '" + tokenId + "' was already redeemed: tokens are single-use");
    }
  }

  private IMap<String, String> map() {
    return catalog.state(STATE_MAP);
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
