package io.fedmesh.sidecar.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Large payloads for the relay tests: random bytes, and a comparison that prints no megabytes. */
final class Payloads {
  private Payloads() {}

  /** {@code n} random bytes, the same for the same {@code n}. */
  static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** Compares by length and SHA-256 so a failure does not print megabytes. */
  static void assertSameBytes(byte[] actual, byte[] expected) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    assertThat(actual.length).isEqualTo(expected.length);
    assertThat(HexFormat.of().formatHex(sha.digest(actual)))
        .isEqualTo(HexFormat.of().formatHex(sha.digest(expected)));
  }
}
