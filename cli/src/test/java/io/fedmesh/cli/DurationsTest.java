package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEachUnit() {
    assertThat(Durations.parse("--x", "90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("--x", "30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("--x", "24h")).isEqualTo(Duration.ofHours(24));
    assertThat(Durations.parse("--x", "365d")).isEqualTo(Duration.ofDays(365));
    assertThat(Durations.parse("--x", " 5M ")).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void unknownUnitNamesOptionValueAndForm() {
    assertThatThrownBy(() -> Durations.parse("--validity", "5x"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--validity: '5x' (expected: a duration like 90s, 30m, 24h, 365d)");
  }

  @Test
  void missingUnitIsRejected() {
    assertThatThrownBy(() -> Durations.parse("--ttl", "24"))
        .hasMessage("--ttl: '24' (expected: a duration like 90s, 30m, 24h, 365d)");
  }

  @Test
  void negativeIsRejected() {
    assertThatThrownBy(() -> Durations.parse("--ttl", "-1h"))
        .hasMessageStartingWith("--ttl: '-1h' (expected:");
  }

  @Test
  void zeroIsRejected() {
    assertThatThrownBy(() -> Durations.parse("--ttl", "0s"))
        .hasMessage("--ttl: '0s' (expected: a positive duration, like 90s, 30m, 24h, 365d)");
  }

  @Test
  void hugeNumberIsRejectedNotOverflowed() {
    assertThatThrownBy(() -> Durations.parse("--ttl", "99999999999999d"))
        .isInstanceOf(UsageException.class);
  }

  @Test
  void aCenturyIsTheLongestAccepted() {
    assertThat(Durations.parse("--validity", "36500d")).isEqualTo(Duration.ofDays(36_500));
    // Past it the waits' nanosecond arithmetic would overflow (up --timeout 300000d crashed).
    assertThatThrownBy(() -> Durations.parse("--timeout", "300000d"))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("--timeout: '300000d' is longer than 36500d");
  }

  @Test
  void formatsWholeUnitsExactlyAndOthersApproximately() {
    assertThat(Durations.format(Duration.ofDays(3650))).isEqualTo("3650d");
    assertThat(Durations.format(Duration.ofHours(24))).isEqualTo("1d");
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Durations.approximate(Duration.ofHours(24).minusSeconds(30))).isEqualTo("23h 59m");
    assertThat(Durations.approximate(Duration.ofSeconds(62))).isEqualTo("1m 2s");
  }
}
