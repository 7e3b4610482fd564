package io.fedmesh.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Connection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The counting rule of {@link Http2ResetGuard}, on a clock the test moves: how many premature
 * resets, at what share of the streams, within which window, close a connection. Its use on real
 * connections (which streams are premature) is in the listeners' tests ({@code InboundProxyTest},
 * {@code OutboundBadInputIT}).
 */
class Http2ResetGuardTest {
  private static final int MIN = ListenerGuards.MIN_PREMATURE_RESETS;
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(ListenerGuards.RESET_WINDOW_SECONDS);
  private static final long LIFETIME =
      TimeUnit.MILLISECONDS.toNanos(ListenerGuards.PREMATURE_RESET_LIFETIME_MILLIS);

  private long now = 1_000_000_000L;
  private final AtomicInteger trips = new AtomicInteger();
  private final Http2ResetGuard guard =
      new Http2ResetGuard(
          () -> now, new DefaultHttp2Connection(true).newKey(), trips::incrementAndGet);

  /** A stream opened just now closes: reset before its response if {@code reset}. */
  private void quick(boolean reset) {
    guard.streamClosed(reset, now);
  }

  @Test
  void aStreamTheListenerResetCountsWhenTheNextOpensAndOnlyOnce() throws Exception {
    // MadeYouReset: each stream is reset by the listener, whose RST_STREAM goes out (and the
    // stream closes) only at the end of the read; the next stream's opening counts it.
    DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
    connection.addListener(
        new Http2ResetGuard(() -> now, connection.newKey(), trips::incrementAndGet));
    java.util.List<io.netty.handler.codec.http2.Http2Stream> open = new java.util.ArrayList<>();
    for (int i = 0; i < MIN - 1; i++) {
      var stream = connection.remote().createStream(2 * i + 1, true);
      stream.resetSent();
      open.add(stream);
    }
    // MIN - 2 counted as the next stream opened; their closes, when the resets are written, count
    // the last one and nothing more (counted twice, they would be past the minimum).
    open.forEach(io.netty.handler.codec.http2.Http2Stream::close);
    assertThat(trips).as("%d premature resets, each counted once", MIN - 1).hasValue(0);
    connection.remote().createStream(2 * MIN + 1, true).resetSent();
    assertThat(trips).as("the reset of the stream opened last, not closed").hasValue(0);
    connection.remote().createStream(2 * MIN + 3, true);
    assertThat(trips).as("counted when the next stream opened").hasValue(1);
  }

  @Test
  void aFloodOfResetsClosesAtTheMinimumAndOnlyOnce() {
    for (int i = 0; i < MIN - 1; i++) {
      quick(true);
    }
    assertThat(trips).as("after %d premature resets", MIN - 1).hasValue(0);
    quick(true);
    assertThat(trips).as("after %d premature resets", MIN).hasValue(1);
    for (int i = 0; i < 1000; i++) {
      quick(true);
    }
    assertThat(trips).as("the guard trips once").hasValue(1);
  }

  @Test
  void cancellationsAmongAnsweredStreamsNeverClose() {
    // A third of the streams reset, each before the two answered ones it comes with: in ten
    // windows, each with three times the minimum, the connection stays.
    for (int w = 0; w < 10; w++) {
      for (int i = 0; i < 3 * MIN; i++) {
        quick(true);
        quick(false);
        quick(false);
      }
      now += WINDOW;
    }
    assertThat(trips).hasValue(0);
  }

  @Test
  void moreResetsThanAnswersClosesOnceTheMinimumIsReached() {
    int resets = 0;
    while (trips.get() == 0) {
      quick(true);
      quick(true);
      quick(false);
      resets += 2;
      assertThat(resets).as("resets counted before the guard tripped").isLessThanOrEqualTo(MIN);
    }
    assertThat(resets).isEqualTo(MIN);
  }

  @Test
  void answeringEveryOtherStreamStillMeetsTheCeiling() {
    // An attacker who pairs each reset with a request the listener answers stays under half, and
    // is stopped at the ceiling.
    int resets = 0;
    while (trips.get() == 0 && resets < 10 * ListenerGuards.MAX_PREMATURE_RESETS) {
      quick(false);
      quick(true);
      resets++;
    }
    assertThat(resets).isEqualTo(ListenerGuards.MAX_PREMATURE_RESETS);
  }

  @Test
  void resetsOfStreamsOlderThanTheLifetimeAreNotPremature() {
    // Cancelled long polls and watches: every stream reset, each after more than the lifetime.
    for (int i = 0; i < 3 * MIN; i++) {
      long opened = now;
      now += LIFETIME;
      guard.streamClosed(true, opened);
    }
    assertThat(trips).hasValue(0);
  }

  @Test
  void theCountStartsAgainInEachWindow() {
    for (int w = 0; w < 10; w++) {
      for (int i = 0; i < MIN - 1; i++) {
        quick(true);
      }
      now += WINDOW;
    }
    assertThat(trips).as("%d premature resets in each of ten windows", MIN - 1).hasValue(0);
  }

  @Test
  void anHonestPastBuysNoCredit() {
    for (int i = 0; i < 100_000; i++) {
      quick(false);
    }
    now += WINDOW;
    for (int i = 0; i < MIN; i++) {
      quick(true);
    }
    assertThat(trips).hasValue(1);
  }
}
