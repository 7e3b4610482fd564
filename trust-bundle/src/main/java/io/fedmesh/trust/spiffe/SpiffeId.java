package io.fedmesh.trust.spiffe;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A SPIFFE ID, {@code spiffe://trust-domain/path}, validated to SPIFFE-ID section 2: scheme {@code
 * spiffe}, a valid trust domain, no port, userinfo, query or fragment, a path (when present) of
 * non-empty segments of {@code [A-Za-z0-9._-]} that are not {@code .} or {@code ..}, and at most
 * 2048 bytes in all. Workload IDs need a path; {@link #parse} refuses the bare trust domain ID, and
 * {@link TrustDomain#of} parses that.
 */
public final class SpiffeId implements Comparable<SpiffeId> {
  /** Longest SPIFFE ID, in bytes (SPIFFE-ID section 2.3). */
  public static final int MAX_LENGTH = 2048;

  static final String SCHEME_PREFIX = "spiffe://";

  private final TrustDomain trustDomain;
  private final String path;
  // The /ns/NS/sa/SA parts, found once: proxies ask for them on every request they record.
  private final Optional<String> namespace;
  private final Optional<String> serviceAccount;
  // The string form, made once: proxies put it in headers and spans of every request.
  private final String string;

  private SpiffeId(TrustDomain trustDomain, String path) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.string = SCHEME_PREFIX + trustDomain.name() + path;
    String[] parts = path.split("/");
    boolean k8s = parts.length == 5 && parts[1].equals("ns") && parts[3].equals("sa");
    this.namespace = k8s ? Optional.of(parts[2]) : Optional.empty();
    this.serviceAccount = k8s ? Optional.of(parts[4]) : Optional.empty();
  }

  /**
   * Parses a workload SPIFFE ID.
   *
   * @throws InvalidSpiffeIdException naming the input and the rule it breaks
   */
  public static SpiffeId parse(String id) {
    if (id == null) {
      throw new InvalidSpiffeIdException("null", "SPIFFE ID is missing");
    }
    if (id.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH) {
      throw new InvalidSpiffeIdException(
          id.substring(0, 64) + "...",
          "is "
              + id.getBytes(StandardCharsets.UTF_8).length
              + " bytes (expected: at most "
              + MAX_LENGTH
              + ")");
    }
    if (id.indexOf(':') < 0 || !id.regionMatches(true, 0, SCHEME_PREFIX, 0, 9)) {
      throw new InvalidSpiffeIdException(id, "scheme must be 'spiffe://'");
    }
    if (!id.startsWith(SCHEME_PREFIX)) {
      throw new InvalidSpiffeIdException(id, "scheme must be lower-case 'spiffe://'");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == '?') {
        throw new InvalidSpiffeIdException(id, "a query is not allowed");
      }
      if (c == '#') {
        throw new InvalidSpiffeIdException(id, "a fragment is not allowed");
      }
      if (c == '%') {
        throw new InvalidSpiffeIdException(id, "percent-encoding is not allowed");
      }
    }
    String rest = id.substring(SCHEME_PREFIX.length());
    int slash = rest.indexOf('/');
    String domain = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    TrustDomain.validate(id, domain);
    if (path.isEmpty()) {
      throw new InvalidSpiffeIdException(
          id, "a workload ID needs a path, e.g. /ns/default/sa/reviews");
    }
    validatePath(id, path);
    return new SpiffeId(TrustDomain.of(domain), path);
  }

  /** Parses, or returns empty where {@code id} is not a valid workload SPIFFE ID. */
  public static Optional<SpiffeId> tryParse(String id) {
    try {
      return Optional.of(parse(id));
    } catch (InvalidSpiffeIdException e) {
      return Optional.empty();
    }
  }

  private static void validatePath(String input, String path) {
    if (path.equals("/")) {
      throw new InvalidSpiffeIdException(input, "path '/' is not allowed (root path)");
    }
    int start = 1;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      String segment = path.substring(start, end);
      if (segment.isEmpty()) {
        throw new InvalidSpiffeIdException(
            input,
            end == path.length()
                ? "path must not end with '/'"
                : "path has an empty segment ('//')");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new InvalidSpiffeIdException(
            input, "path segment '" + segment + "' is not allowed (dot segments)");
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        if (!isPathChar(c)) {
          throw new InvalidSpiffeIdException(
              input,
              "character '"
                  + printable(String.valueOf(c))
                  + "' in path segment '"
                  + printable(segment)
                  + "' is not allowed (expected: A-Z a-z 0-9 . - _)");
        }
      }
      start = end + 1;
    }
  }

  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '-'
        || c == '_';
  }

  /**
   * Makes control characters visible, so that an error message cannot inject lines: C0, DEL and C1
   * (which holds U+0085 NEL, and which a peer's IA5String SAN byte 0x80-0x9f decodes to) as {@code
   * \xNN}, and the Unicode line and paragraph separators U+2028 and U+2029 as a backslash-u escape.
   */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), 300));
    for (int i = 0; i < s.length() && i < 256; i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)) {
        b.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
      } else if (c == 0x2028 || c == 0x2029) {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > 256) {
      b.append("...");
    }
    return b.toString();
  }

  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The path, starting with {@code /}. */
  public String path() {
    return path;
  }

  /** The namespace when the path follows {@code /ns/NS/sa/SA}. */
  public Optional<String> namespace() {
    return namespace;
  }

  /** The service account when the path follows {@code /ns/NS/sa/SA}. */
  public Optional<String> serviceAccount() {
    return serviceAccount;
  }

  /** Whether this ID belongs to {@code domain}. */
  public boolean memberOf(TrustDomain domain) {
    return trustDomain.equals(domain);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpiffeId
        && ((SpiffeId) o).trustDomain.equals(trustDomain)
        && ((SpiffeId) o).path.equals(path);
  }

  @Override
  public int hashCode() {
    return trustDomain.hashCode() * 31 + path.hashCode();
  }

  @Override
  public int compareTo(SpiffeId o) {
    return toString().compareTo(o.toString());
  }

  /** The canonical string form, {@code spiffe://domain/path}. */
  @Override
  public String toString() {
    return string;
  }
}
