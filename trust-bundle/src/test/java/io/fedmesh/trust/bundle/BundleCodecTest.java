package io.fedmesh.trust.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

class BundleCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TrustDomain DOMAIN = TrustDomain.of("us-east.fedmesh.local");
  private static final String SOURCE = "peer-bundle.json";

  private static final X509Certificate EC_ROOT = TestCerts.ca("ec-root");
  private static final X509Certificate EC_ROOT_2 = TestCerts.ca("ec-root-2");

  // ---- round trips ----

  @Test
  void roundTripEcP256() {
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(EC_ROOT), 7, Duration.ofSeconds(300));

    TrustBundle parsed = BundleCodec.parse(DOMAIN, BundleCodec.toJson(bundle), SOURCE);

    assertThat(parsed).isEqualTo(bundle);
  }

  @Test
  void roundTripRsaAndP384InOneBundle() {
    X509Certificate rsa = TestCerts.ca("rsa-root", TestCerts.rsa());
    X509Certificate p384 = TestCerts.ca("p384-root", TestCerts.ec("secp384r1"));
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(rsa, p384, EC_ROOT), 3, null);

    TrustBundle parsed = BundleCodec.parse(DOMAIN, BundleCodec.toJson(bundle), SOURCE);

    assertThat(parsed).isEqualTo(bundle);
    assertThat(parsed.refreshHint()).isEmpty();
  }

  @Test
  void toJsonWritesOneJwkPerAuthorityWithKeyParametersAndStandardBase64X5c() throws Exception {
    X509Certificate rsa = TestCerts.ca("rsa-root", TestCerts.rsa());
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(EC_ROOT, rsa), 42, Duration.ofMinutes(2));

    JsonNode doc = JSON.readTree(BundleCodec.toJson(bundle));

    assertThat(doc.get("spiffe_sequence").asLong()).isEqualTo(42);
    assertThat(doc.get("spiffe_refresh_hint").asLong()).isEqualTo(120);
    JsonNode ec = doc.get("keys").get(0);
    assertThat(ec.get("use").asText()).isEqualTo("x509-svid");
    assertThat(ec.get("kty").asText()).isEqualTo("EC");
    assertThat(ec.get("crv").asText()).isEqualTo("P-256");
    assertThat(Base64.getUrlDecoder().decode(ec.get("x").asText())).hasSize(32);
    assertThat(Base64.getUrlDecoder().decode(ec.get("y").asText())).hasSize(32);
    assertThat(ec.get("x5c")).hasSize(1);
    assertThat(Base64.getDecoder().decode(ec.get("x5c").get(0).asText()))
        .isEqualTo(EC_ROOT.getEncoded());
    JsonNode rsaKey = doc.get("keys").get(1);
    assertThat(rsaKey.get("kty").asText()).isEqualTo("RSA");
    assertThat(rsaKey.get("e").asText()).isEqualTo("AQAB");
    assertThat(rsaKey.has("n")).isTrue();
  }

  @Test
  void toJsonIsDeterministic() {
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(EC_ROOT, EC_ROOT_2), 1, null);
    String first = BundleCodec.toJson(bundle);

    String again = BundleCodec.toJson(BundleCodec.parse(DOMAIN, first, SOURCE));

    assertThat(again).isEqualTo(first).doesNotContain("\r");
  }

  @Test
  void maxSequenceIsAccepted() {
    TrustBundle bundle = parse(doc(EC_ROOT).put("spiffe_sequence", Long.MAX_VALUE));

    assertThat(bundle.sequence()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void sequenceAndHintMayBeAbsent() {
    ObjectNode doc = doc(EC_ROOT);
    doc.remove("spiffe_sequence");
    doc.remove("spiffe_refresh_hint");

    TrustBundle bundle = parse(doc);

    assertThat(bundle.sequence()).isZero();
    assertThat(bundle.refreshHint()).isEmpty();
    assertThat(bundle.effectiveRefreshHint()).isEqualTo(TrustBundle.DEFAULT_REFRESH_HINT);
  }

  @Test
  void byteAndStringOverloadsAgree() {
    String text = BundleCodec.toJson(TrustBundle.of(DOMAIN, List.of(EC_ROOT), 1, null));

    assertThat(BundleCodec.parse(DOMAIN, text.getBytes(StandardCharsets.UTF_8), SOURCE))
        .isEqualTo(BundleCodec.parse(DOMAIN, text, SOURCE));
  }

  // ---- ignored entries ----

  @Test
  void keyWithUnknownUseIsIgnored() {
    ObjectNode doc = doc(EC_ROOT);
    ObjectNode jwt = keys(doc).addObject();
    jwt.put("use", "jwt-svid").put("kty", "EC").put("kid", "k1").put("crv", "P-256");
    ObjectNode other = keys(doc).addObject();
    other.put("use", "something-new").put("kty", "EC").putArray("x5c").add("not even base64!");

    TrustBundle bundle = parse(doc);

    assertThat(bundle.x509Authorities()).containsExactly(EC_ROOT);
  }

  @Test
  void keyWithUnknownKtyIsIgnored() {
    ObjectNode doc = doc(EC_ROOT);
    ObjectNode okp = keys(doc).addObject();
    okp.put("use", "x509-svid").put("kty", "OKP").put("crv", "Ed25519");
    okp.putArray("x5c").add("garbage that is never decoded");

    TrustBundle bundle = parse(doc);

    assertThat(bundle.x509Authorities()).containsExactly(EC_ROOT);
  }

  @Test
  void x509SvidKeyWithoutX5cIsIgnored() {
    ObjectNode doc = doc(EC_ROOT);
    keys(doc).addObject().put("use", "x509-svid").put("kty", "EC").put("crv", "P-256");

    TrustBundle bundle = parse(doc);

    assertThat(bundle.x509Authorities()).containsExactly(EC_ROOT);
  }

  @Test
  void unknownTopLevelMembersAreIgnored() {
    ObjectNode doc = doc(EC_ROOT);
    doc.put("spiffe_future_thing", true).putObject("extra").put("a", 1);

    assertThat(parse(doc).x509Authorities()).containsExactly(EC_ROOT);
  }

  // ---- bad documents ----

  @Test
  void garbageBytesAreRejected() {
    byte[] garbage = {(byte) 0x00, (byte) 0xff, (byte) 0xfe, 0x13, 0x37, (byte) 0x80};

    assertRejected(garbage)
        .hasMessageStartingWith(SOURCE + ": ")
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void plainTextIsRejected() {
    assertRejected("hello, bundle").hasMessageContaining("not valid JSON");
  }

  @Test
  void truncatedJsonIsRejected() {
    String full = BundleCodec.toJson(TrustBundle.of(DOMAIN, List.of(EC_ROOT), 1, null));

    assertRejected(full.substring(0, full.length() / 2))
        .hasMessageStartingWith(SOURCE + ": ")
        .hasMessageContaining("truncated JSON");
  }

  @Test
  void trailingContentAfterTheObjectIsRejected() {
    String full = BundleCodec.toJson(TrustBundle.of(DOMAIN, List.of(EC_ROOT), 1, null));

    assertRejected(full + " {}").hasMessageContaining("not valid JSON");
  }

  @Test
  void emptyDocumentIsRejected() {
    assertRejected("").hasMessageContaining("empty document");
  }

  @Test
  void topLevelArrayIsRejected() {
    assertRejected("[]")
        .hasMessage(SOURCE + ": top level is an array of 0 (expected: a JSON object)");
  }

  @Test
  void missingKeysIsRejected() {
    assertRejected("{\"spiffe_sequence\": 1}")
        .hasMessage(SOURCE + ": missing member 'keys' (expected: an array of JWKs)");
  }

  @Test
  void keysNotAnArrayIsRejected() {
    assertRejected("{\"keys\": {\"use\": \"x509-svid\"}}")
        .hasMessage(SOURCE + ": keys: an object (expected: an array of JWKs)");
  }

  @Test
  void keyEntryNotAnObjectIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    keys(doc).add("x509-svid");

    assertRejected(doc)
        .hasMessageContaining("keys[1]: a string \"x509-svid\" (expected: a JSON object");
  }

  @Test
  void duplicateTopLevelMemberIsRejected() {
    String entry = keys(doc(EC_ROOT)).get(0).toString();

    assertRejected("{\"keys\": [" + entry + "], \"keys\": []}")
        .hasMessageStartingWith(SOURCE + ": ")
        .hasMessageContaining("duplicate member name")
        .hasMessageContaining("'keys'")
        .hasMessageContaining("(expected: unique member names)");
  }

  @Test
  void duplicateMemberInsideAKeyIsRejected() {
    String entry = keys(doc(EC_ROOT)).get(0).toString();
    String duplicated = entry.replaceFirst("\\{", "{\"use\":\"jwt-svid\",");

    assertRejected("{\"keys\": [" + duplicated + "]}")
        .hasMessageContaining("keys[0]")
        .hasMessageContaining("duplicate member name")
        .hasMessageContaining("'use'");
  }

  @Test
  void duplicateAuthorityIsRejected() {
    ObjectNode doc = doc(EC_ROOT, EC_ROOT_2);
    keys(doc).add(keys(doc).get(0).deepCopy());

    assertRejected(doc)
        .hasMessage(
            SOURCE
                + ": keys[2]: certificate CN=ec-root duplicates keys[0]"
                + " (expected: each authority once)");
  }

  @Test
  void nonCaCertificateIsRejected() {
    ObjectNode doc = doc(EC_ROOT, TestCerts.leaf("workload"));

    assertRejected(doc)
        .hasMessageStartingWith(SOURCE + ": keys[1]: certificate CN=workload is not a CA")
        .hasMessageContaining("basicConstraints CA=false or absent")
        .hasMessageEndingWith("(expected: basicConstraints CA=true and keyCertSign)");
  }

  @Test
  void caWithoutBasicConstraintsIsRejected() {
    X509Certificate cert =
        TestCerts.selfSigned("no-bc", TestCerts.p256(), null, KeyUsage.keyCertSign);

    assertRejected(doc(cert))
        .hasMessageContaining(
            "certificate CN=no-bc is not a CA: basicConstraints CA=false or absent");
  }

  @Test
  void caWithoutKeyCertSignIsRejected() {
    X509Certificate cert =
        TestCerts.selfSigned("no-kcs", TestCerts.p256(), true, KeyUsage.digitalSignature);

    assertRejected(doc(cert))
        .hasMessageContaining("certificate CN=no-kcs is not a CA: keyUsage lacks keyCertSign");
  }

  @Test
  void x5cWithTwoEntriesIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ((ArrayNode) keys(doc).get(0).get("x5c")).add(b64(EC_ROOT_2));

    assertRejected(doc)
        .hasMessage(
            SOURCE
                + ": keys[0].x5c: 2 elements"
                + " (expected: exactly one base64 DER certificate, the authority itself)");
  }

  @Test
  void emptyX5cIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ((ArrayNode) keys(doc).get(0).get("x5c")).removeAll();

    assertRejected(doc).hasMessageContaining("keys[0].x5c: 0 elements");
  }

  @Test
  void x5cNotAnArrayIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ((ObjectNode) keys(doc).get(0)).put("x5c", b64(EC_ROOT));

    assertRejected(doc).hasMessageContaining("keys[0].x5c: a string");
  }

  @Test
  void x5cWithBadBase64IsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ((ArrayNode) keys(doc).get(0).get("x5c")).set(0, "MIIB%%%not-base64");

    assertRejected(doc)
        .hasMessageStartingWith(SOURCE + ": keys[0].x5c[0]: not valid base64")
        .hasMessageContaining("(expected: standard base64, not base64url, of a DER certificate)");
  }

  @Test
  void x5cWithBase64OfSomethingElseIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    String notACert = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
    ((ArrayNode) keys(doc).get(0).get("x5c")).set(0, notACert);

    assertRejected(doc)
        .hasMessageStartingWith(SOURCE + ": keys[0].x5c[0]: not an X.509 certificate");
  }

  @Test
  void x5cWithTrailingBytesIsRejected() throws Exception {
    ObjectNode doc = doc(EC_ROOT);
    byte[] der = EC_ROOT.getEncoded();
    byte[] padded = Arrays.copyOf(der, der.length + 4);
    ((ArrayNode) keys(doc).get(0).get("x5c")).set(0, Base64.getEncoder().encodeToString(padded));

    assertRejected(doc).hasMessageContaining("keys[0].x5c[0]: not exactly one DER certificate");
  }

  @Test
  void jwkCoordinateNotMatchingTheCertificateIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    String otherX = keys(doc(EC_ROOT_2)).get(0).get("x").asText();
    ((ObjectNode) keys(doc).get(0)).put("x", otherX);

    assertRejected(doc)
        .hasMessageStartingWith(SOURCE + ": keys[0].x: does not match the public key")
        .hasMessageContaining("certificate in x5c");
  }

  @Test
  void jwkCurveNotMatchingTheCertificateIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ((ObjectNode) keys(doc).get(0)).put("crv", "P-384");

    assertRejected(doc)
        .hasMessage(
            SOURCE
                + ": keys[0].crv: a string \"P-384\" (expected: \"P-256\", the certificate's curve)");
  }

  @Test
  void jwkKtyNotMatchingTheCertificateIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ObjectNode key = (ObjectNode) keys(doc).get(0);
    key.put("kty", "RSA");
    key.remove(List.of("crv", "x", "y"));

    assertRejected(doc)
        .hasMessageContaining("keys[0].kty: RSA but certificate CN=ec-root has a EC key");
  }

  @Test
  void jwkWithoutKeyParametersIsAccepted() {
    ObjectNode doc = doc(EC_ROOT);
    ((ObjectNode) keys(doc).get(0)).remove(List.of("crv", "x", "y"));

    assertThat(parse(doc).x509Authorities()).containsExactly(EC_ROOT);
  }

  @Test
  void noX509AuthorityLeftIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    ((ObjectNode) keys(doc).get(0)).remove("x5c");
    keys(doc).addObject().put("use", "jwt-svid").put("kty", "EC");

    assertRejected(doc)
        .hasMessageStartingWith(SOURCE + ": keys: no X.509 authority")
        .hasMessageContaining("ignored: keys[0] (no x5c), keys[1] (use a string \"jwt-svid\")");
  }

  @Test
  void noX509AuthorityMessageListsOnlyTheFirstIgnoredKeys() {
    ObjectNode doc = JSON.createObjectNode();
    for (int i = 0; i < 7; i++) {
      doc.withArray("keys").addObject().put("use", "jwt-svid");
    }

    assertRejected(doc).hasMessageEndingWith("keys[4] (use a string \"jwt-svid\") and 2 more");
  }

  @Test
  void emptyKeysIsRejected() {
    assertRejected("{\"keys\": []}").hasMessageContaining("keys: no X.509 authority");
  }

  @Test
  void negativeSequenceIsRejected() {
    assertRejected(doc(EC_ROOT).put("spiffe_sequence", -1))
        .hasMessage(
            SOURCE
                + ": spiffe_sequence: -1 (expected: an unsigned integer from 0 to 9223372036854775807)");
  }

  @Test
  void sequenceAsStringIsRejected() {
    assertRejected(doc(EC_ROOT).put("spiffe_sequence", "5"))
        .hasMessageStartingWith(
            SOURCE + ": spiffe_sequence: a string \"5\" (expected: an unsigned integer");
  }

  @Test
  void fractionalSequenceIsRejected() {
    assertRejected(doc(EC_ROOT).put("spiffe_sequence", 1.5))
        .hasMessageStartingWith(SOURCE + ": spiffe_sequence: a fractional number 1.5 (expected:");
  }

  @Test
  void sequenceAbove2To63Minus1IsRejected() {
    String text =
        doc(EC_ROOT)
            .put("spiffe_sequence", 0)
            .toString()
            .replace("\"spiffe_sequence\":0", "\"spiffe_sequence\":9223372036854775808");

    assertRejected(text)
        .hasMessageStartingWith(SOURCE + ": spiffe_sequence: 9223372036854775808 is larger than")
        .hasMessageContaining("(expected: an unsigned integer from 0 to 9223372036854775807)");
  }

  @Test
  void refreshHintZeroIsRejected() {
    assertRejected(doc(EC_ROOT).put("spiffe_refresh_hint", 0))
        .hasMessageStartingWith(
            SOURCE + ": spiffe_refresh_hint: 0 (expected: a positive integer number of seconds");
  }

  @Test
  void negativeRefreshHintIsRejected() {
    assertRejected(doc(EC_ROOT).put("spiffe_refresh_hint", -30))
        .hasMessageStartingWith(SOURCE + ": spiffe_refresh_hint: -30 (expected:");
  }

  @Test
  void refreshHintAsStringIsRejected() {
    assertRejected(doc(EC_ROOT).put("spiffe_refresh_hint", "300"))
        .hasMessageStartingWith(SOURCE + ": spiffe_refresh_hint: a string \"300\" (expected:");
  }

  @Test
  void oversizedDocumentIsRejected() {
    byte[] huge = new byte[BundleCodec.MAX_DOCUMENT_BYTES + 1];
    Arrays.fill(huge, (byte) ' ');
    huge[0] = '{';
    huge[huge.length - 1] = '}';

    assertRejected(huge)
        .hasMessage(SOURCE + ": document is 1048577 bytes (expected: at most 1048576)");
  }

  @Test
  void tooManyKeysIsRejected() {
    ObjectNode doc = doc(EC_ROOT);
    for (int i = 0; i < BundleCodec.MAX_KEYS; i++) {
      keys(doc).addObject().put("use", "jwt-svid");
    }

    assertRejected(doc).hasMessage(SOURCE + ": keys: 1001 entries (expected: at most 1000)");
  }

  @Test
  void deeplyNestedDocumentIsRejected() {
    String nested = "{\"keys\": [], \"x\": " + "[".repeat(100) + "]".repeat(100) + "}";

    assertRejected(nested).hasMessageContaining("not valid JSON");
  }

  @Test
  void messageNamesTheDomainWhenNoSourceIsGiven() {
    assertThatThrownBy(() -> BundleCodec.parse(DOMAIN, "[]", null))
        .isInstanceOf(BundleFormatException.class)
        .hasMessageStartingWith("bundle of us-east.fedmesh.local: top level");
  }

  // ---- helpers ----

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(String json) {
    return assertThatThrownBy(() -> BundleCodec.parse(DOMAIN, json, SOURCE))
        .isInstanceOf(BundleFormatException.class);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(byte[] json) {
    return assertThatThrownBy(() -> BundleCodec.parse(DOMAIN, json, SOURCE))
        .isInstanceOf(BundleFormatException.class);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(ObjectNode doc) {
    return assertRejected(doc.toString());
  }

  /** A valid document for these authorities, as a mutable tree; leaf certificates allowed. */
  private static ObjectNode doc(X509Certificate... authorities) {
    ObjectNode doc = JSON.createObjectNode();
    ArrayNode keys = doc.putArray("keys");
    for (X509Certificate cert : authorities) {
      // toJson checks nothing about CA-ness, so it can serialize a bad certificate for us.
      TrustBundle one = TrustBundle.of(DOMAIN, List.of(cert), 1, null);
      keys.add(read(BundleCodec.toJson(one)).get("keys").get(0));
    }
    doc.put("spiffe_sequence", 1);
    doc.put("spiffe_refresh_hint", 300);
    return doc;
  }

  private static ArrayNode keys(ObjectNode doc) {
    return (ArrayNode) doc.get("keys");
  }

  private static String b64(X509Certificate cert) {
    try {
      return Base64.getEncoder().encodeToString(cert.getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static TrustBundle parse(ObjectNode doc) {
    return BundleCodec.parse(DOMAIN, doc.toString(), SOURCE);
  }
}
