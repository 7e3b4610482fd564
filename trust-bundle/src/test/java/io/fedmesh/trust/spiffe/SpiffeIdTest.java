package io.fedmesh.trust.spiffe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** SPIFFE-ID section 2: what {@link SpiffeId#parse} and {@link TrustDomain#of} accept. */
class SpiffeIdTest {

  // ---- valid IDs ----

  @Test
  void parsesWorkloadId() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/default/sa/reviews");

    assertThat(id.trustDomain()).isEqualTo(TrustDomain.of("example.org"));
    assertThat(id.path()).isEqualTo("/ns/default/sa/reviews");
    assertThat(id).hasToString("spiffe://example.org/ns/default/sa/reviews");
  }

  @Test
  void acceptsEveryAllowedCharacter() {
    SpiffeId id = SpiffeId.parse("spiffe://us-east_1.fedmesh.local/A-Z_a.z-09/x.y");

    assertThat(id.trustDomain().name()).isEqualTo("us-east_1.fedmesh.local");
    assertThat(id.path()).isEqualTo("/A-Z_a.z-09/x.y");
  }

  @Test
  void acceptsSingleSegmentPath() {
    assertThat(SpiffeId.parse("spiffe://example.org/workload").path()).isEqualTo("/workload");
  }

  @Test
  void acceptsSegmentsThatMerelyContainDots() {
    assertThat(SpiffeId.parse("spiffe://example.org/.../a..b/.x").path()).isEqualTo("/.../a..b/.x");
  }

  @Test
  void acceptsIdOfExactlyMaxLength() {
    String prefix = "spiffe://example.org/";
    String id = prefix + "a".repeat(SpiffeId.MAX_LENGTH - prefix.length());

    assertThat(SpiffeId.parse(id).toString()).hasSize(SpiffeId.MAX_LENGTH);
  }

  @Test
  void equalIdsAreEqualAndOrdered() {
    SpiffeId a = SpiffeId.parse("spiffe://example.org/a");

    assertThat(a).isEqualTo(SpiffeId.parse("spiffe://example.org/a"));
    assertThat(a).hasSameHashCodeAs(SpiffeId.parse("spiffe://example.org/a"));
    assertThat(a).isNotEqualTo(SpiffeId.parse("spiffe://example.com/a"));
    assertThat(a.compareTo(SpiffeId.parse("spiffe://example.org/b"))).isNegative();
  }

  @Test
  void memberOfOwnDomainOnly() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/a");

    assertThat(id.memberOf(TrustDomain.of("example.org"))).isTrue();
    assertThat(id.memberOf(TrustDomain.of("example.com"))).isFalse();
  }

  @Test
  void tryParseReturnsEmptyOnInvalidInput() {
    assertThat(SpiffeId.tryParse("spiffe://example.org/a")).isPresent();
    assertThat(SpiffeId.tryParse("http://example.org/a")).isEmpty();
    assertThat(SpiffeId.tryParse(null)).isEmpty();
  }

  // ---- namespace / service account ----

  @Test
  void namespaceAndServiceAccountOfConventionalPath() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/payments/sa/checkout");

    assertThat(id.namespace()).contains("payments");
    assertThat(id.serviceAccount()).contains("checkout");
  }

  @Test
  void namespaceEmptyForOtherPaths() {
    SpiffeId other = SpiffeId.parse("spiffe://example.org/workload/checkout");

    assertThat(other.namespace()).isEmpty();
    assertThat(other.serviceAccount()).isEmpty();
  }

  @Test
  void namespaceEmptyWhenPathIsLongerThanConvention() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/a/sa/b/extra");

    assertThat(id.namespace()).isEmpty();
    assertThat(id.serviceAccount()).isEmpty();
  }

  @Test
  void namespaceEmptyWhenKeywordsSwapped() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org/sa/a/ns/b");

    assertThat(id.namespace()).isEmpty();
    assertThat(id.serviceAccount()).isEmpty();
  }

  @Test
  void trustDomainWorkloadBuildsConventionalId() {
    SpiffeId id = TrustDomain.of("example.org").workload("default", "reviews");

    assertThat(id).hasToString("spiffe://example.org/ns/default/sa/reviews");
    assertThat(id.namespace()).contains("default");
    assertThat(id.serviceAccount()).contains("reviews");
  }

  // ---- rejected IDs ----

  @Test
  void rejectsNull() {
    assertInvalid(null, "SPIFFE ID is missing");
  }

  @Test
  void rejectsHttpScheme() {
    assertInvalid("http://example.org/a", "scheme must be 'spiffe://'");
  }

  @Test
  void rejectsUpperCaseScheme() {
    assertInvalid("SPIFFE://example.org/a", "scheme must be lower-case 'spiffe://'");
  }

  @Test
  void rejectsMissingScheme() {
    assertInvalid("example.org/a", "scheme must be 'spiffe://'");
  }

  @Test
  void rejectsSchemeWithoutSlashes() {
    assertInvalid("spiffe:example.org/a", "scheme must be 'spiffe://'");
  }

  @Test
  void rejectsMissingPath() {
    assertInvalid("spiffe://example.org", "a workload ID needs a path");
  }

  @Test
  void rejectsRootPath() {
    assertInvalid("spiffe://example.org/", "path '/' is not allowed (root path)");
  }

  @Test
  void rejectsTrailingSlash() {
    assertInvalid("spiffe://example.org/ns/", "path must not end with '/'");
  }

  @Test
  void rejectsEmptySegment() {
    assertInvalid("spiffe://example.org/ns//sa", "path has an empty segment ('//')");
  }

  @Test
  void rejectsDotSegment() {
    assertInvalid("spiffe://example.org/ns/./sa", "path segment '.' is not allowed");
  }

  @Test
  void rejectsDotDotSegment() {
    assertInvalid("spiffe://example.org/ns/../sa", "path segment '..' is not allowed");
  }

  @Test
  void rejectsTrailingDotDotSegment() {
    assertInvalid("spiffe://example.org/ns/..", "path segment '..' is not allowed");
  }

  @Test
  void rejectsQuery() {
    assertInvalid("spiffe://example.org/a?x=1", "a query is not allowed");
  }

  @Test
  void rejectsFragment() {
    assertInvalid("spiffe://example.org/a#frag", "a fragment is not allowed");
  }

  @Test
  void rejectsPort() {
    assertInvalid("spiffe://example.org:8443/a", "a port is not allowed in a trust domain");
  }

  @Test
  void rejectsUserinfo() {
    assertInvalid("spiffe://admin@example.org/a", "userinfo is not allowed in a trust domain");
  }

  @Test
  void rejectsUserinfoWithPassword() {
    // "user:pass@" is userinfo; the ':' is met first. Either way the ID is refused.
    assertInvalid("spiffe://user:pass@example.org/a", "is not allowed in a trust domain");
  }

  @Test
  void rejectsPercentEncodingInPath() {
    assertInvalid("spiffe://example.org/a%2Fb", "percent-encoding is not allowed");
  }

  @Test
  void rejectsPercentEncodingInTrustDomain() {
    assertInvalid("spiffe://exa%6Dple.org/a", "percent-encoding is not allowed");
  }

  @Test
  void rejectsIllegalCharacterInPath() {
    assertInvalid("spiffe://example.org/ns/a*b", "character '*' in path segment 'a*b'");
  }

  @Test
  void rejectsSpaceInPath() {
    assertInvalid("spiffe://example.org/ns/a b", "character ' ' in path segment 'a b'");
  }

  @Test
  void rejectsNonAsciiInPath() {
    assertInvalid("spiffe://example.org/ns/caf\u00e9", "in path segment 'caf\u00e9'");
  }

  @Test
  void rejectsNulInPathAndPrintsItEscaped() {
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://example.org/ns/a\u0000b"))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining("character '\\x00' in path segment 'a\\x00b'")
        .hasMessageNotContaining("\u0000");
  }

  @Test
  void rejectsNewlineWithoutEchoingIt() {
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://example.org/a\nINJECTED"))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining("\\x0a")
        .hasMessageNotContaining("\n");
  }

  @Test
  void rejectsNextLineControlWithoutEchoingIt() {
    // U+0085 (NEL, a C1 control) is a line break to many log viewers.
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://example.org/a\u0085INJECTED"))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining("character '\\x85' in path segment")
        .hasMessageNotContaining("\u0085");
  }

  @Test
  void rejectsLineSeparatorWithoutEchoingIt() {
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://example.org/a\u2028INJECTED"))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageContaining("character '\\u2028' in path segment")
        .hasMessageNotContaining("\u2028");
  }

  @Test
  void rejectsUpperCaseTrustDomainWithUnderscore() {
    assertInvalid("spiffe://Bad_Domain/x", "upper-case letters are not allowed in a trust domain");
  }

  @Test
  void rejectsUpperCaseTrustDomain() {
    assertInvalid("spiffe://Example.org/x", "upper-case letters are not allowed in a trust domain");
  }

  @Test
  void rejectsIllegalCharacterInTrustDomain() {
    assertInvalid(
        "spiffe://exa*mple.org/x",
        "character '*' at index 3 is not allowed in a trust domain (expected: a-z 0-9 . - _)");
  }

  @Test
  void rejectsEmptyTrustDomain() {
    assertInvalid("spiffe:///ns/a", "trust domain is empty");
  }

  @Test
  void rejectsTrustDomainLongerThan255Bytes() {
    String domain = "a".repeat(TrustDomain.MAX_LENGTH + 1);

    assertInvalid("spiffe://" + domain + "/x", "trust domain is 256 bytes (expected: at most 255)");
  }

  @Test
  void acceptsTrustDomainOfExactly255Bytes() {
    String domain = "a".repeat(TrustDomain.MAX_LENGTH);

    assertThat(SpiffeId.parse("spiffe://" + domain + "/x").trustDomain().name()).hasSize(255);
  }

  @Test
  void rejectsIdLongerThan2048Bytes() {
    String prefix = "spiffe://example.org/";
    String id = prefix + "a".repeat(SpiffeId.MAX_LENGTH - prefix.length() + 1);

    assertInvalid(id, "is 2049 bytes (expected: at most 2048)");
  }

  @Test
  void countsLengthInUtf8BytesNotChars() {
    // 700 chars, but 2100 bytes in UTF-8: too long, whatever the characters.
    String id = "spiffe://example.org/" + "\u20ac".repeat(693);

    assertInvalid(id, "bytes (expected: at most 2048)");
  }

  // ---- TrustDomain.of ----

  @Test
  void trustDomainOfBareName() {
    TrustDomain td = TrustDomain.of("us-east.fedmesh.local");

    assertThat(td.name()).isEqualTo("us-east.fedmesh.local");
    assertThat(td.idString()).isEqualTo("spiffe://us-east.fedmesh.local");
    assertThat(td).hasToString("us-east.fedmesh.local");
  }

  @Test
  void trustDomainOfSpiffeIdForm() {
    assertThat(TrustDomain.of("spiffe://example.org")).isEqualTo(TrustDomain.of("example.org"));
  }

  @Test
  void trustDomainOfRejectsNull() {
    assertInvalidDomain(null, "trust domain is missing");
  }

  @Test
  void trustDomainOfRejectsEmpty() {
    assertInvalidDomain("", "trust domain is empty");
  }

  @Test
  void trustDomainOfRejectsSchemeOnly() {
    assertInvalidDomain("spiffe://", "trust domain is empty");
  }

  @Test
  void trustDomainOfRejectsRootPath() {
    assertInvalidDomain("spiffe://example.org/", "a trust domain ID has no path, not even '/'");
  }

  @Test
  void trustDomainOfRejectsWorkloadPath() {
    assertInvalidDomain("spiffe://example.org/ns/a", "character '/' at index 11");
  }

  @Test
  void trustDomainOfRejectsUpperCase() {
    assertInvalidDomain("Example.org", "upper-case letters are not allowed");
  }

  @Test
  void trustDomainOfRejectsPort() {
    assertInvalidDomain("example.org:443", "a port is not allowed in a trust domain");
  }

  @Test
  void trustDomainOfRejectsUserinfo() {
    assertInvalidDomain("me@example.org", "userinfo is not allowed in a trust domain");
  }

  @Test
  void trustDomainOfRejectsOtherScheme() {
    assertInvalidDomain("https://example.org", "is not allowed in a trust domain");
  }

  @Test
  void trustDomainOfRejectsTooLong() {
    assertInvalidDomain("a".repeat(256), "trust domain is 256 bytes (expected: at most 255)");
  }

  @Test
  void trustDomainsAreOrderedByName() {
    assertThat(TrustDomain.of("a.org").compareTo(TrustDomain.of("b.org"))).isNegative();
    assertThat(TrustDomain.of("a.org")).hasSameHashCodeAs(TrustDomain.of("a.org"));
  }

  private static void assertInvalid(String id, String reasonFragment) {
    assertThatThrownBy(() -> SpiffeId.parse(id))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageStartingWith("invalid SPIFFE ID or trust domain")
        .hasMessageContaining(reasonFragment);
  }

  private static void assertInvalidDomain(String name, String reasonFragment) {
    assertThatThrownBy(() -> TrustDomain.of(name))
        .isInstanceOf(InvalidSpiffeIdException.class)
        .hasMessageStartingWith("invalid SPIFFE ID or trust domain")
        .hasMessageContaining(reasonFragment);
  }
}
