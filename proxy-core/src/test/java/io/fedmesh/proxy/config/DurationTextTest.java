package io.fedmesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {
  @ParameterizedTest
  @CsvSource({
    "500ms, 500",
    "1s, 1000",
    "1.5s, 1500",
    "0.25s, 250",
    "2m, 120000",
    "1h, 3600000",
    "1m30s, 90000",
    "1h0m, 3600000",
    "0s, 0",
    "24h, 86400000",
    "1.001s, 1001"
  })
  void parsesExactly(String text, long millis) {
    assertThat(DurationText.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"500ms", "1s", "1500ms", "2m", "1h", "90s"})
  void formatReadsBack(String text) {
    Duration d = DurationText.parse(text);
    assertThat(DurationText.parse(DurationText.format(d))).isEqualTo(d);
  }

  @ParameterizedTest
  @CsvSource({
    "3, has no unit",
    "1.5, has no unit",
    "'3 s', is not a duration",
    "-1s, is not a duration",
    "1d, is not a duration",
    "1us, is not a duration",
    "s, is not a duration",
    ".5s, is not a duration",
    "1.s, is not a duration",
    "PT1S, is not a duration",
    "1.0005s, is finer than a millisecond",
    "25h, is longer than 24h",
    "999999999h, is longer than 24h"
  })
  void refuses(String text, String reason) {
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(reason);
  }
}
