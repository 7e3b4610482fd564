package io.fedmesh.trust.spiffe;

/**
 * A SPIFFE trust domain name such as {@code us-east.fedmesh.local}: lower-case letters, digits,
 * {@code .}, {@code -} and {@code _}, at most 255 bytes (SPIFFE-ID section 2.1).
 */
public final class TrustDomain implements Comparable<TrustDomain> {
  /** Longest trust domain name, in bytes (SPIFFE-ID section 2.1). */
  public static final int MAX_LENGTH = 255;

  private final String name;

  private TrustDomain(String name) {
    this.name = name;
  }

  /**
   * Parses a bare trust domain name ({@code example.org}); a {@code spiffe://} prefix is also
   * accepted when nothing follows the name.
   *
   * @throws InvalidSpiffeIdException naming the input and the rule it breaks
   */
  public static TrustDomain of(String name) {
    if (name == null) {
      throw new InvalidSpiffeIdException("null", "trust domain is missing");
    }
    String candidate = name;
    if (candidate.startsWith(SpiffeId.SCHEME_PREFIX)) {
      candidate = candidate.substring(SpiffeId.SCHEME_PREFIX.length());
      if (candidate.endsWith("/")) {
        throw new InvalidSpiffeIdException(name, "a trust domain ID has no path, not even '/'");
      }
    }
    validate(name, candidate);
    return new TrustDomain(candidate);
  }

  static void validate(String input, String candidate) {
    if (candidate.isEmpty()) {
      throw new InvalidSpiffeIdException(input, "trust domain is empty");
    }
    if (candidate.length() > MAX_LENGTH) {
      throw new InvalidSpiffeIdException(
          input,
          "trust domain is "
              + candidate.length()
              + " bytes (expected: at most "
              + MAX_LENGTH
              + ")");
    }
    for (int i = 0; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      if (!isTrustDomainChar(c)) {
        String what =
            c == ':'
                ? "a port is not allowed in a trust domain"
                : c == '@'
                    ? "userinfo is not allowed in a trust domain"
                    : Character.isUpperCase(c)
                        ? "upper-case letters are not allowed in a trust domain (use lower case)"
                        : "character '"
                            + SpiffeId.printable(String.valueOf(c))
                            + "' at index "
                            + i
                            + " is not allowed in a trust domain (expected: a-z 0-9 . - _)";
        throw new InvalidSpiffeIdException(input, what);
      }
    }
  }

  static boolean isTrustDomainChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  }

  /** The bare name, e.g. {@code us-east.fedmesh.local}. */
  public String name() {
    return name;
  }

  /** The trust domain's own ID, {@code spiffe://name}. */
  public String idString() {
    return SpiffeId.SCHEME_PREFIX + name;
  }

  /** A workload ID in this domain with the fedmesh path convention {@code /ns/NS/sa/SA}. */
  public SpiffeId workload(String namespace, String serviceAccount) {
    return SpiffeId.parse(idString() + "/ns/" + namespace + "/sa/" + serviceAccount);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrustDomain && ((TrustDomain) o).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public int compareTo(TrustDomain o) {
    return name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return name;
  }
}
