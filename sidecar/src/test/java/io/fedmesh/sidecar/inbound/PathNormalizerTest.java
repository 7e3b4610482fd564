package io.fedmesh.sidecar.inbound;

import static org.assertj.core.api.Assertions.assertThat;

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
}
