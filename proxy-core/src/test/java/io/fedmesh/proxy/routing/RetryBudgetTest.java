package io.fedmesh.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.model.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private static final Duration WINDOW = Duration.ofSeconds(10);
  private final FakeTicker ticker = new FakeTicker();

  private static int retriesAllowed(RetryBudget b, int max) {
    int n = 0;
    while (n < max && b.tryRetry()) {
      n++;
    }
    return n;
  }

  private static void requests(RetryBudget b, int n) {
    for (int i = 0; i < n; i++) {
      b.onRequest();
    }
  }

  @Test
  void retriesBeyondBudgetPercentAreRefused() {
    RetryBudget b = RetryBudget.of(20, 0, WINDOW, ticker);
    requests(b, 100);

    assertThat(retriesAllowed(b, 1_000)).isEqualTo(20);
    assertThat(b.tryRetry()).isFalse();
  }

  @Test
  void noRequestsNoFloorNoRetries() {
    RetryBudget b = RetryBudget.of(20, 0, WINDOW, ticker);

    assertThat(b.tryRetry()).isFalse();
  }

  @Test
  void minRetriesPerSecondAreAllowedWithoutTraffic() {
    RetryBudget b = RetryBudget.of(20, 10, WINDOW, ticker);

    assertThat(retriesAllowed(b, 1_000)).isEqualTo(10);
    ticker.advance(Duration.ofMillis(999));
    assertThat(b.tryRetry()).isFalse();
    ticker.advance(Duration.ofMillis(1));

    assertThat(retriesAllowed(b, 1_000)).isEqualTo(10);
  }

  @Test
  void floorAndShareAddUp() {
    RetryBudget b = RetryBudget.of(20, 10, WINDOW, ticker);
    requests(b, 100);

    assertThat(retriesAllowed(b, 1_000)).isEqualTo(30);
  }

  @Test
  void requestsOlderThanTheWindowNoLongerFundRetries() {
    RetryBudget b = RetryBudget.of(20, 0, WINDOW, ticker);
    requests(b, 100);

    ticker.advance(WINDOW);

    assertThat(b.tryRetry()).isFalse();
  }

  @Test
  void spentBudgetRecoversAsTheWindowSlides() {
    RetryBudget b = RetryBudget.of(20, 0, WINDOW, ticker);
    requests(b, 100); // t=0
    ticker.advance(Duration.ofSeconds(5));
    assertThat(retriesAllowed(b, 1_000)).isEqualTo(20); // t=5: spent
    ticker.advance(Duration.ofSeconds(5));
    requests(b, 50); // t=10: t=0's requests gone, t=5's retries still count

    assertThat(b.tryRetry()).isFalse();
    ticker.advance(Duration.ofSeconds(5)); // t=15: t=5's retries gone too

    assertThat(retriesAllowed(b, 1_000)).isEqualTo(10);
  }

  @Test
  void ofPolicyUsesItsPercentAndFloor() {
    RetryBudget b = RetryBudget.of(RetryPolicy.DEFAULT, ticker); // 20 %, 10/s
    requests(b, 50);

    assertThat(retriesAllowed(b, 1_000)).isEqualTo(20);
  }

  @Test
  void windowMustBeWholeSeconds() {
    assertThatThrownBy(() -> RetryBudget.of(20, 0, Duration.ofMillis(1500), ticker))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry budget window: PT1.5S (expected: whole seconds, 1..60 s)");
  }

  @Test
  void budgetPercentAbove100IsRefused() {
    assertThatThrownBy(() -> RetryBudget.of(101, 0, WINDOW, ticker))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retries.budgetPercent: 101 (expected: 0..100)");
  }
}
