package io.fedmesh.trust.bundle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * Reads and writes the SPIFFE bundle format (SPIFFE Trust Domain and Bundle, section 4): a JWK Set
 * {@code {"keys": [...], "spiffe_sequence": N, "spiffe_refresh_hint": seconds}} whose {@code
 * x509-svid} keys each carry one X.509 CA certificate in {@code x5c}.
 *
 * <p>Parsing is strict about what it uses and lenient about what it does not:
 *
 * <ul>
 *   <li>Rejected, with a {@link BundleFormatException} that names the source, the JSON path (e.g.
 *       {@code keys[2].x5c}) and what was expected: input that is not a single JSON object;
 *       duplicate member names at any depth; a missing or non-array {@code keys}; a {@code
 *       spiffe_sequence} that is not an unsigned integer up to {@link Long#MAX_VALUE} (the spec's
 *       uint64, stored in a {@code long}); a {@code spiffe_refresh_hint} that is not a positive
 *       integer number of seconds; an {@code x509-svid} key whose {@code x5c} is not exactly one
 *       standard-base64 DER certificate, whose certificate is not a CA ({@code basicConstraints
 *       CA=true} and {@code keyCertSign}), repeats an earlier authority, or whose JWK key
 *       parameters ({@code crv}/{@code x}/{@code y}, {@code n}/{@code e}) are present but do not
 *       match the certificate's key; and a document with no X.509 authority left.
 *   <li>Ignored, as SPIFFE asks so that publishers can add key types: keys whose {@code use} is not
 *       {@code x509-svid} (e.g. {@code jwt-svid}), keys whose {@code kty} is neither {@code EC} nor
 *       {@code RSA}, unknown members, and {@code x509-svid} keys <em>without</em> an {@code x5c}
 *       member (there is nothing to verify against; treating it as fatal would let one half-written
 *       entry discard a peer's whole bundle).
 * </ul>
 *
 * <p>Certificate validity dates are not checked here: during a CA rotation a bundle legitimately
 * holds a root that is about to expire, and expiry is the verifier's concern.
 *
 * <p>Limits protect against hostile peers: documents over {@link #MAX_DOCUMENT_BYTES} bytes or with
 * more than {@link #MAX_KEYS} keys are rejected before any certificate is decoded.
 *
 * <p>All methods are thread-safe.
 */
public final class BundleCodec {
  /** Largest bundle document accepted, in bytes (1 MiB). */
  public static final int MAX_DOCUMENT_BYTES = 1 << 20;

  /** Most entries accepted in {@code keys}. */
  public static final int MAX_KEYS = 1_000;

  /** The {@code use} value of X.509 authorities. */
  static final String USE_X509_SVID = "x509-svid";

  static final String KEYS = "keys";
  static final String SEQUENCE = "spiffe_sequence";
  static final String REFRESH_HINT = "spiffe_refresh_hint";

  private static final int MAX_NESTING_DEPTH = 32;
  private static final int MAX_VALUE_IN_MESSAGE = 40;
  private static final int MAX_PARSER_MESSAGE = 300;
  private static final int MAX_IGNORED_IN_MESSAGE = 5;

  private static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final ObjectWriter PRETTY_WRITER =
      MAPPER.writer(
          new DefaultPrettyPrinter()
              .withObjectIndenter(new DefaultIndenter("  ", "\n"))
              .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  private BundleCodec() {}

  /**
   * Parses a bundle document for {@code domain}.
   *
   * @param domain the trust domain the document belongs to (the document does not say)
   * @param json the document, UTF-8
   * @param source where the document came from (file name, peer), used in error messages
   * @return the bundle; its sequence is 0 when the document has no {@code spiffe_sequence}
   * @throws BundleFormatException naming the source, the JSON path and what was expected
   */
  public static TrustBundle parse(TrustDomain domain, byte[] json, String source) {
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(json, "json");
    String src = source == null || source.isEmpty() ? "bundle of " + domain : source;
    if (json.length > MAX_DOCUMENT_BYTES) {
      throw fail(
          src,
          null,
          "document is " + json.length + " bytes (expected: at most " + MAX_DOCUMENT_BYTES + ")");
    }
    return new Reader(domain, src).read(readTree(json, src));
  }

  /**
   * Parses a bundle document given as a string; see {@link #parse(TrustDomain, byte[], String)}.
   *
   * @throws BundleFormatException naming the source, the JSON path and what was expected
   */
  public static TrustBundle parse(TrustDomain domain, String json, String source) {
    Objects.requireNonNull(json, "json");
    return parse(domain, json.getBytes(StandardCharsets.UTF_8), source);
  }

  /**
   * Writes {@code bundle} as a SPIFFE bundle document: pretty-printed with two-space indents and
   * {@code \n} line ends, members in a fixed order, authorities in the bundle's order, so the same
   * bundle always gives the same text. Each authority becomes a JWK with {@code use}, {@code kty},
   * its public key parameters and an {@code x5c} of exactly one standard-base64 DER certificate. A
   * refresh hint is written in whole seconds, rounded up.
   *
   * @throws BundleFormatException if an authority's key is neither EC on P-256/P-384/P-521 nor RSA
   */
  public static String toJson(TrustBundle bundle) {
    Objects.requireNonNull(bundle, "bundle");
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode keys = root.putArray(KEYS);
    List<X509Certificate> authorities = bundle.x509Authorities();
    for (int i = 0; i < authorities.size(); i++) {
      keys.add(toJwk(bundle.trustDomain(), i, authorities.get(i)));
    }
    root.put(SEQUENCE, bundle.sequence());
    bundle.refreshHint().ifPresent(hint -> root.put(REFRESH_HINT, wholeSecondsRoundedUp(hint)));
    try {
      return PRETTY_WRITER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree to a string", e);
    }
  }

  private static ObjectNode toJwk(TrustDomain domain, int index, X509Certificate cert) {
    ObjectNode jwk = MAPPER.createObjectNode();
    jwk.put("use", USE_X509_SVID);
    PublicKey key = cert.getPublicKey();
    if (key instanceof ECPublicKey ec) {
      Curve curve = Curve.of(ec.getParams());
      if (curve == null) {
        throw new BundleFormatException(
            "bundle of "
                + domain
                + ": authority "
                + index
                + " ("
                + subject(cert)
                + ") has an EC key on an unsupported curve (expected: P-256, P-384 or P-521)");
      }
      jwk.put("kty", "EC");
      jwk.put("crv", curve.jwkName);
      jwk.put("x", base64Url(fixedLength(ec.getW().getAffineX(), curve.coordinateBytes)));
      jwk.put("y", base64Url(fixedLength(ec.getW().getAffineY(), curve.coordinateBytes)));
    } else if (key instanceof RSAPublicKey rsa) {
      jwk.put("kty", "RSA");
      jwk.put("n", base64Url(unsigned(rsa.getModulus())));
      jwk.put("e", base64Url(unsigned(rsa.getPublicExponent())));
    } else {
      throw new BundleFormatException(
          "bundle of "
              + domain
              + ": authority "
              + index
              + " ("
              + subject(cert)
              + ") has a "
              + key.getAlgorithm()
              + " key (expected: EC or RSA)");
    }
    try {
      jwk.putArray("x5c").add(Base64.getEncoder().encodeToString(cert.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new BundleFormatException(
          "bundle of " + domain + ": authority " + index + " cannot be DER-encoded", e);
    }
    return jwk;
  }

  private static JsonNode readTree(byte[] json, String src) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonEOFException e) {
      throw fail(
          src,
          jacksonPath(e),
          "truncated JSON: input ends" + location(e) + " (expected: a complete JSON object)",
          e);
    } catch (JsonProcessingException e) {
      String original = printable(String.valueOf(e.getOriginalMessage()));
      String what;
      if (original.startsWith("Duplicate")) {
        what = "duplicate member name" + location(e) + ": " + original;
        throw fail(src, jacksonPath(e), what + " (expected: unique member names)", e);
      } else if (original.startsWith("Trailing token")) {
        what = "content after the top-level value" + location(e);
        throw fail(src, null, "not valid JSON: " + what + " (expected: a single JSON object)", e);
      }
      throw fail(
          src,
          jacksonPath(e),
          "not valid JSON" + location(e) + ": " + original + " (expected: a JSON object)",
          e);
    } catch (IOException e) {
      throw fail(src, null, "cannot read document: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw fail(src, null, "empty document (expected: a JSON object)");
    }
    return root;
  }

  /** Walks one parsed document; holds the error context. */
  private static final class Reader {
    private final TrustDomain domain;
    private final String src;
    private final List<String> ignored = new ArrayList<>();

    Reader(TrustDomain domain, String src) {
      this.domain = domain;
      this.src = src;
    }

    TrustBundle read(JsonNode root) {
      if (!root.isObject()) {
        throw fail(src, null, "top level is " + describe(root) + " (expected: a JSON object)");
      }
      JsonNode keys = root.get(KEYS);
      if (keys == null) {
        throw fail(src, null, "missing member '" + KEYS + "' (expected: an array of JWKs)");
      }
      if (!keys.isArray()) {
        throw fail(src, KEYS, describe(keys) + " (expected: an array of JWKs)");
      }
      if (keys.size() > MAX_KEYS) {
        throw fail(src, KEYS, keys.size() + " entries (expected: at most " + MAX_KEYS + ")");
      }
      long sequence = readSequence(root.get(SEQUENCE));
      Optional<Duration> refreshHint = readRefreshHint(root.get(REFRESH_HINT));

      List<X509Certificate> authorities = new ArrayList<>();
      Map<ByteBuffer, Integer> seen = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        X509Certificate cert = readKey(i, keys.get(i));
        if (cert == null) {
          continue;
        }
        Integer first = seen.putIfAbsent(ByteBuffer.wrap(encoded(KEYS + "[" + i + "]", cert)), i);
        if (first != null) {
          throw fail(
              src,
              KEYS + "[" + i + "]",
              "certificate "
                  + subject(cert)
                  + " duplicates "
                  + KEYS
                  + "["
                  + first
                  + "] (expected: each authority once)");
        }
        authorities.add(cert);
      }
      if (authorities.isEmpty()) {
        String why = "";
        if (!ignored.isEmpty()) {
          List<String> shown = ignored.subList(0, Math.min(ignored.size(), MAX_IGNORED_IN_MESSAGE));
          why = "; ignored: " + String.join(", ", shown);
          if (ignored.size() > shown.size()) {
            why += " and " + (ignored.size() - shown.size()) + " more";
          }
        }
        throw fail(
            src,
            KEYS,
            "no X.509 authority (expected: at least one key with use '"
                + USE_X509_SVID
                + "' and an x5c certificate)"
                + why);
      }
      return new TrustBundle(domain, authorities, sequence, refreshHint);
    }

    private long readSequence(JsonNode node) {
      if (node == null) {
        return 0L;
      }
      BigInteger value = integer(node);
      if (value == null
          || value.signum() < 0
          || value.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0) {
        String why =
            value != null && value.signum() > 0
                ? " is larger than this implementation's 64-bit signed sequence"
                : "";
        throw fail(
            src,
            SEQUENCE,
            describe(node)
                + why
                + " (expected: an unsigned integer from 0 to "
                + Long.MAX_VALUE
                + ")");
      }
      return value.longValueExact();
    }

    private Optional<Duration> readRefreshHint(JsonNode node) {
      if (node == null) {
        return Optional.empty();
      }
      BigInteger value = integer(node);
      if (value == null
          || value.signum() <= 0
          || value.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0) {
        throw fail(
            src,
            REFRESH_HINT,
            describe(node)
                + " (expected: a positive integer number of seconds, at most "
                + Long.MAX_VALUE
                + ")");
      }
      return Optional.of(Duration.ofSeconds(value.longValueExact()));
    }

    /** The key's authority, or null when the key is not one we use. */
    private X509Certificate readKey(int index, JsonNode key) {
      String path = KEYS + "[" + index + "]";
      if (!key.isObject()) {
        throw fail(src, path, describe(key) + " (expected: a JSON object (JWK))");
      }
      JsonNode use = key.get("use");
      if (use == null || !use.isTextual() || !USE_X509_SVID.equals(use.asText())) {
        ignored.add(path + " (use " + (use == null ? "missing" : describe(use)) + ")");
        return null;
      }
      JsonNode kty = key.get("kty");
      String keyType = kty != null && kty.isTextual() ? kty.asText() : null;
      if (!"EC".equals(keyType) && !"RSA".equals(keyType)) {
        ignored.add(path + " (kty " + (kty == null ? "missing" : describe(kty)) + ")");
        return null;
      }
      JsonNode x5c = key.get("x5c");
      if (x5c == null) {
        ignored.add(path + " (no x5c)");
        return null;
      }
      X509Certificate cert = readX5c(path + ".x5c", x5c);
      checkCa(path, cert);
      checkKeyParameters(path, key, keyType, cert);
      return cert;
    }

    private X509Certificate readX5c(String path, JsonNode x5c) {
      if (!x5c.isArray()) {
        throw fail(
            src, path, describe(x5c) + " (expected: an array of one base64 DER certificate)");
      }
      if (x5c.size() != 1) {
        throw fail(
            src,
            path,
            x5c.size()
                + " elements (expected: exactly one base64 DER certificate, the authority itself)");
      }
      String elementPath = path + "[0]";
      JsonNode element = x5c.get(0);
      if (!element.isTextual()) {
        throw fail(src, elementPath, describe(element) + " (expected: a base64 DER certificate)");
      }
      byte[] der;
      try {
        der = Base64.getDecoder().decode(element.asText());
      } catch (IllegalArgumentException e) {
        throw fail(
            src,
            elementPath,
            "not valid base64: "
                + e.getMessage()
                + " (expected: standard base64, not base64url, of a DER certificate)",
            e);
      }
      X509Certificate cert;
      try {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        cert = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
      } catch (CertificateException | RuntimeException e) {
        throw fail(
            src,
            elementPath,
            "not an X.509 certificate: " + e.getMessage() + " (expected: a DER certificate)",
            e);
      }
      // The JDK factory also takes PEM and ignores trailing bytes; the spec says DER, exactly.
      if (!Arrays.equals(encoded(elementPath, cert), der)) {
        throw fail(
            src, elementPath, "not exactly one DER certificate (expected: DER, no PEM or extras)");
      }
      return cert;
    }

    private void checkCa(String path, X509Certificate cert) {
      boolean ca = cert.getBasicConstraints() >= 0;
      boolean[] usage = cert.getKeyUsage();
      boolean keyCertSign = usage != null && usage.length > 5 && usage[5];
      if (ca && keyCertSign) {
        return;
      }
      List<String> problems = new ArrayList<>();
      if (!ca) {
        problems.add("basicConstraints CA=false or absent");
      }
      if (!keyCertSign) {
        problems.add(usage == null ? "no keyUsage" : "keyUsage lacks keyCertSign");
      }
      throw fail(
          src,
          path,
          "certificate "
              + subject(cert)
              + " is not a CA: "
              + String.join(", ", problems)
              + " (expected: basicConstraints CA=true and keyCertSign)");
    }

    private void checkKeyParameters(
        String path, JsonNode key, String keyType, X509Certificate cert) {
      PublicKey publicKey = cert.getPublicKey();
      if ("EC".equals(keyType)) {
        if (!(publicKey instanceof ECPublicKey ec)) {
          throw fail(
              src,
              path + ".kty",
              "EC but certificate "
                  + subject(cert)
                  + " has a "
                  + publicKey.getAlgorithm()
                  + " key (expected: kty matching the certificate's key)");
        }
        Curve curve = Curve.of(ec.getParams());
        if (curve == null) {
          throw fail(
              src,
              path,
              "certificate "
                  + subject(cert)
                  + " has an EC key on an unsupported curve (expected: P-256, P-384 or P-521)");
        }
        JsonNode crv = key.get("crv");
        if (crv != null && !(crv.isTextual() && curve.jwkName.equals(crv.asText()))) {
          throw fail(
              src,
              path + ".crv",
              describe(crv) + " (expected: \"" + curve.jwkName + "\", the certificate's curve)");
        }
        checkInteger(path, key, "x", ec.getW().getAffineX());
        checkInteger(path, key, "y", ec.getW().getAffineY());
      } else {
        if (!(publicKey instanceof RSAPublicKey rsa)) {
          throw fail(
              src,
              path + ".kty",
              "RSA but certificate "
                  + subject(cert)
                  + " has a "
                  + publicKey.getAlgorithm()
                  + " key (expected: kty matching the certificate's key)");
        }
        checkInteger(path, key, "n", rsa.getModulus());
        checkInteger(path, key, "e", rsa.getPublicExponent());
      }
    }

    private void checkInteger(String path, JsonNode key, String member, BigInteger expected) {
      JsonNode node = key.get(member);
      if (node == null) {
        return;
      }
      String memberPath = path + "." + member;
      if (!node.isTextual()) {
        throw fail(src, memberPath, describe(node) + " (expected: a base64url string)");
      }
      BigInteger actual;
      try {
        actual = new BigInteger(1, Base64.getUrlDecoder().decode(node.asText()));
      } catch (IllegalArgumentException e) {
        throw fail(
            src,
            memberPath,
            "not valid base64url: " + e.getMessage() + " (expected: a base64url integer)",
            e);
      }
      if (!actual.equals(expected)) {
        throw fail(
            src,
            memberPath,
            "does not match the public key of the certificate in x5c"
                + " (expected: the JWK to describe the certificate's own key)");
      }
    }

    private byte[] encoded(String path, X509Certificate cert) {
      try {
        return cert.getEncoded();
      } catch (CertificateEncodingException e) {
        throw fail(src, path, "certificate cannot be DER-encoded: " + e.getMessage(), e);
      }
    }
  }

  /** The named curves a JWK can express (RFC 7518 section 6.2.1.1). */
  private enum Curve {
    P256("P-256", "secp256r1", 32),
    P384("P-384", "secp384r1", 48),
    P521("P-521", "secp521r1", 66);

    final String jwkName;
    final int coordinateBytes;
    private final ECParameterSpec spec;

    Curve(String jwkName, String stdName, int coordinateBytes) {
      this.jwkName = jwkName;
      this.coordinateBytes = coordinateBytes;
      this.spec = lookup(stdName);
    }

    private static ECParameterSpec lookup(String stdName) {
      try {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec(stdName));
        return parameters.getParameterSpec(ECParameterSpec.class);
      } catch (GeneralSecurityException e) {
        return null; // curve not offered by this JDK; keys on it are then unsupported
      }
    }

    static Curve of(ECParameterSpec params) {
      for (Curve curve : values()) {
        if (curve.spec != null
            && curve.spec.getCurve().equals(params.getCurve())
            && curve.spec.getOrder().equals(params.getOrder())
            && curve.spec.getGenerator().equals(params.getGenerator())) {
          return curve;
        }
      }
      return null;
    }
  }

  private static BundleFormatException fail(String src, String path, String what) {
    return new BundleFormatException(src + ": " + (path == null ? "" : path + ": ") + what);
  }

  private static BundleFormatException fail(String src, String path, String what, Throwable cause) {
    return new BundleFormatException(src + ": " + (path == null ? "" : path + ": ") + what, cause);
  }

  /** A short description of a JSON value for messages: its type and, when short, its text. */
  static String describe(JsonNode node) {
    JsonNodeType type = node.getNodeType();
    String text = printable(node.toString());
    if (text.length() > MAX_VALUE_IN_MESSAGE) {
      text = text.substring(0, MAX_VALUE_IN_MESSAGE) + "...";
    }
    switch (type) {
      case OBJECT:
        return "an object";
      case ARRAY:
        return "an array of " + node.size();
      case STRING:
        return "a string " + text;
      case NUMBER:
        return node.isIntegralNumber() ? text : "a fractional number " + text;
      case BOOLEAN:
        return "a boolean " + text;
      case NULL:
        return "null";
      default:
        return text;
    }
  }

  /** The node's value when it is a JSON integer (not 1.0, not 1e3, not "1"), else null. */
  private static BigInteger integer(JsonNode node) {
    return node.isIntegralNumber() ? node.bigIntegerValue() : null;
  }

  /** " at line L, column C", or nothing when Jackson does not know. */
  private static String location(JsonProcessingException e) {
    if (e.getLocation() == null || e.getLocation().getLineNr() < 0) {
      return "";
    }
    return " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  /**
   * Parser messages quote the offending input, which from a hostile peer may be control characters
   * or megabytes long: keep printable ASCII, escape the rest, and cut it short.
   */
  static String printable(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && out.length() < MAX_PARSER_MESSAGE; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        out.append(c);
      } else {
        out.append("\\u").append(String.format(Locale.ROOT, "%04x", (int) c));
      }
    }
    if (out.length() >= MAX_PARSER_MESSAGE) {
      out.append("...");
    }
    return out.toString();
  }

  /** The JSON path ({@code keys[1].use}) where Jackson stopped, or null at the top level. */
  private static String jacksonPath(JsonProcessingException e) {
    if (!(e.getProcessor() instanceof JsonParser parser)) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = parser.getParsingContext(); c != null; c = c.getParent()) {
      if (c.inArray()) {
        parts.add("[" + Math.max(0, c.getCurrentIndex()) + "]");
      } else if (c.inObject() && c.getCurrentName() != null) {
        parts.add("." + c.getCurrentName());
      }
    }
    StringBuilder path = new StringBuilder();
    for (int i = parts.size() - 1; i >= 0; i--) {
      path.append(parts.get(i));
    }
    String text = path.toString();
    if (text.startsWith(".")) {
      text = text.substring(1);
    }
    return text.isEmpty() ? null : text;
  }

  static String subject(X509Certificate cert) {
    return cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
  }

  private static long wholeSecondsRoundedUp(Duration d) {
    return d.getNano() == 0 ? d.getSeconds() : d.getSeconds() + 1;
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Big-endian magnitude without a sign byte (RFC 7518 section 2, Base64urlUInt). */
  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      return Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return bytes;
  }

  /** Left-padded to the curve's coordinate size (RFC 7518 section 6.2.1.2). */
  private static byte[] fixedLength(BigInteger value, int length) {
    byte[] magnitude = unsigned(value);
    if (magnitude.length == length) {
      return magnitude;
    }
    byte[] padded = new byte[length];
    System.arraycopy(
        magnitude, 0, padded, length - magnitude.length, Math.min(magnitude.length, length));
    return padded;
  }
}
