package io.fedmesh.controller.peering;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.BundleFormatException;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.InvalidSpiffeIdException;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What the accepting cluster hands the dialing cluster out of band to link them: a base64url
 * (unpadded) JSON document. It names the accepter, says how its controller is reached (the
 * east-west gateway address and the controller's port numbers, which go into the SNI), carries the
 * accepter's trust bundle (the dialer pins it for the bootstrap call), and a one-time secret of
 * which the accepter keeps only a hash.
 *
 * @param cluster the accepting cluster
 * @param trustDomain its trust domain
 * @param gatewayHost its east-west gateway's address as the dialer reaches it
 * @param gatewayPort that gateway's mTLS port
 * @param bootstrapPort the accepter controller's bootstrap port (server-authenticated TLS)
 * @param peeringPort the accepter controller's mTLS port
 * @param bundleJson the accepter's trust bundle, SPIFFE bundle format
 * @param tokenId names the token (stored, not secret)
 * @param secret the one-time secret
 * @param expiresAtMillis when the token stops being redeemable (epoch millis)
 */
public record PeeringToken(
    @JsonProperty("cluster") String cluster,
    @JsonProperty("trustDomain") String trustDomain,
    @JsonProperty("gatewayHost") String gatewayHost,
    @JsonProperty("gatewayPort") int gatewayPort,
    @JsonProperty("bootstrapPort") int bootstrapPort,
    @JsonProperty("peeringPort") int peeringPort,
    @JsonProperty("bundle") String bundleJson,
    @JsonProperty("id") String tokenId,
    @JsonProperty("secret") String secret,
    @JsonProperty("expiresAt") long expiresAtMillis) {

  /** Longest token text accepted (a bundle of a few roots fits easily). */
  public static final int MAX_LENGTH = 64 * 1024;

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** The token as the string an operator passes to {@code fedmesh link}. */
  public String encode() {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(this));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a peering token", e);
    }
  }

  /**
   * Reads and checks a token.
   *
   * @throws PeeringException ({@link PeeringException.Kind#INVALID_ARGUMENT}) naming what is wrong
   */
  public static PeeringToken decode(String text) {
    if (text == null || text.isBlank()) {
      throw PeeringException.invalid("peering token: missing");
    }
    String t = text.strip();
    if (t.length() > MAX_LENGTH) {
      throw PeeringException.invalid(
          "peering token: " + t.length() + " characters (expected: at most " + MAX_LENGTH + ")");
    }
    byte[] json;
    try {
      json = Base64.getUrlDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw PeeringException.invalid("peering token: not base64url text (" + e.getMessage() + ")");
    }
    PeeringToken token;
    try {
      token = JSON.readValue(json, PeeringToken.class);
    } catch (IOException e) {
      throw PeeringException.invalid(
          "peering token: not a token document ("
              + firstLine(new String(json, StandardCharsets.UTF_8), e)
              + ")");
    }
    token.check();
    return token;
  }

  /** The accepter's trust bundle the token carries. */
  public TrustBundle bundle() {
    try {
      return BundleCodec.parse(TrustDomain.of(trustDomain), bundleJson, "peering token bundle");
    } catch (BundleFormatException e) {
      throw PeeringException.invalid("peering token: bundle: " + e.getMessage());
    }
  }

  private void check() {
    Names.checkCluster("peering token: cluster", cluster);
    try {
      TrustDomain.of(trustDomain);
    } catch (InvalidSpiffeIdException | NullPointerException e) {
      throw PeeringException.invalid(
          "peering token: trustDomain: '" + trustDomain + "' (expected: a SPIFFE trust domain)");
    }
    if (gatewayHost == null || gatewayHost.isBlank()) {
      throw PeeringException.invalid("peering token: gatewayHost: missing");
    }
    Names.checkPort("peering token: gatewayPort", gatewayPort);
    Names.checkPort("peering token: bootstrapPort", bootstrapPort);
    Names.checkPort("peering token: peeringPort", peeringPort);
    if (tokenId == null || !tokenId.matches("[A-Za-z0-9_-]{8,64}")) {
      throw PeeringException.invalid(
          "peering token: id: '" + tokenId + "' (expected: 8..64 of [A-Za-z0-9_-])");
    }
    if (secret == null || secret.length() < 16 || secret.length() > 128) {
      throw PeeringException.invalid("peering token: secret: missing or not 16..128 characters");
    }
    if (bundleJson == null || bundleJson.isBlank()) {
      throw PeeringException.invalid("peering token: bundle: missing");
    }
    bundle();
  }

  private static String firstLine(String json, IOException e) {
    String m = e.getMessage() == null ? json : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public String toString() {
    // Never print the secret.
    return "PeeringToken[cluster=" + cluster + ", id=" + tokenId + "]";
  }
}
