package io.fedmesh.sidecar.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {
  @ParameterizedTest
  @CsvSource({
    "/, /",
    "/api/x, /api/x",
    "/api/x/, /api/x/",
    "//admin, /admin",
    "/public/../admin, /admin",
    "/admin/., /admin/",
    "/./admin, /admin",
    "/%61dmin, /admin",
    "/a/%2e%2e/x, /x",
    "/a/%2E%2E/admin, /admin",
    "/a%20b, /a%20b",
    "/a%3fb, /a%3Fb",
    "/x?y=../z, /x?y=../z",
    "/a/b/../../c, /c"
  })
  void normalizes(String in, String out) {
    assertThat(PathNormalizer.normalize(in)).contains(out);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/..",
        "/../admin",
        "/%2e%2e/%2e%2e/x",
        "/a%2Fb",
        "/a%2fb",
        "/a%5Cb",
        "/a\\b",
        "/a%00b",
        "/a%zz",
        "/a%2",
        "admin",
        "",
        "*",
        "/a b"
      })
  void refusesAmbiguousPaths(String in) {
    assertThat(PathNormalizer.normalize(in)).isEmpty();
  }

  /**
   * The scan that lets an already-normal path through unchanged agrees with the full normalization
   * on every path: 200,000 random ones over the characters that matter (slashes, dots, escapes,
   * refused characters, a query), and the ones above.
   */
  @Test
  void theFastPathAgreesWithTheFullNormalization() {
    String[] pieces = {
      "/", "/", ".", "..", "a", "b", "%2e", "%2F", "%61", "%", "\\", " ", "?", "~"
    };
    java.util.Random random = new java.util.Random(7);
    for (int n = 0; n < 200_000; n++) {
      StringBuilder uri = new StringBuilder(random.nextInt(4) == 0 ? "" : "/");
      for (int k = random.nextInt(8); k > 0; k--) {
        uri.append(pieces[random.nextInt(pieces.length)]);
      }
      String in = uri.toString();
      assertThat(PathNormalizer.normalize(in)).as(in).isEqualTo(PathNormalizer.normalizeSlowly(in));
    }
    assertThat(PathNormalizer.alreadyNormal("/api/v1/items/", 14)).isTrue();
    assertThat(PathNormalizer.alreadyNormal("/api/./items", 12)).isFalse();
    assertThat(PathNormalizer.alreadyNormal("/api/..", 7)).isFalse();
    assertThat(PathNormalizer.alreadyNormal("/api//x", 7)).isFalse();
  }
}
