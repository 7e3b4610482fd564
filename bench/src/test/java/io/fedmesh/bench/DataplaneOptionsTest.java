package io.fedmesh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.bench.DataplaneBench.Body;
import io.fedmesh.bench.DataplaneBench.Options;
import io.fedmesh.bench.LoadGenerator.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench/run-dataplane.sh}'s arguments as the driver reads them. */
class DataplaneOptionsTest {
  private static Options parse(String... args) {
    List<String> all =
        new ArrayList<>(List.of("--work", "/tmp/w", "--certs", "/tmp/c", "--cli-jar", "/tmp/j"));
    all.addAll(List.of(args));
    return Options.parse(all.toArray(String[]::new));
  }

  @Test
  void everyProtocolRunsByDefault() {
    assertThat(parse().protocols)
        .containsExactly(Protocol.H1, Protocol.H2, Protocol.GRPC, Protocol.NEWCONN);
  }

  @Test
  void protocolsRunInTheirFixedOrderWhateverOrderTheyAreGivenIn() {
    Options o = parse("--protocols", "newconn, h1,newconn");
    assertThat(o.protocols).containsExactly(Protocol.H1, Protocol.NEWCONN);
    assertThat(o.wantsHttp2()).isFalse();
    assertThat(o.command).isEqualTo("bench/run-dataplane.sh --protocols newconn, h1,newconn");
  }

  @Test
  void unknownProtocolIsRejectedWithTheAllowedOnes() {
    assertThatThrownBy(() -> parse("--protocols", "h1,h3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--protocols: 'h3' (expected: a comma-separated subset of h1, h2, grpc, newconn)");
  }

  @Test
  void protocolsWithoutAValueIsRejected() {
    assertThatThrownBy(() -> parse("--protocols"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--protocols needs a value");
  }

  @Test
  void http1RunsBothBodiesAtEveryRateForTheWholeDuration() {
    Options o = parse("--rates", "1000,5000", "--duration", "10s");
    assertThat(o.bodies(Protocol.H1)).containsExactly(Body.SMALL, Body.LARGE);
    assertThat(o.rates(Protocol.H1)).containsExactly(1000, 5000);
    assertThat(o.duration(Protocol.H1)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void otherProtocolsRunTheSmallBodyAtTheFirstRateForHalfTheDuration() {
    Options o = parse("--rates", "1000,5000", "--duration", "10s");
    for (Protocol p : List.of(Protocol.H2, Protocol.GRPC, Protocol.NEWCONN)) {
      assertThat(o.bodies(p)).containsExactly(Body.SMALL);
      assertThat(o.rates(p)).containsExactly(1000);
      assertThat(o.duration(p)).isEqualTo(Duration.ofSeconds(5));
    }
  }

  @Test
  void smokeRunsEveryProtocolForAboutASecond() {
    Options o = parse("--smoke");
    assertThat(o.protocols).hasSize(4);
    assertThat(o.duration(Protocol.H1)).isEqualTo(Duration.ofSeconds(1));
    // Half a second at the rate and half a second closed loop: about a second per protocol.
    assertThat(o.duration(Protocol.GRPC)).isEqualTo(Duration.ofMillis(500));
    assertThat(o.rates(Protocol.GRPC)).containsExactly(200);
  }

  @Test
  void http1StaysHttp11BetweenProxiesUnlessAskedAndTheReportedCommandSaysSo() {
    assertThat(parse().upgradeHttp1).isFalse();
    Options o = parse("--upgrade-http1", "--protocols", "h1");
    assertThat(o.upgradeHttp1).isTrue();
    assertThat(o.command).contains("--upgrade-http1");
  }

  @Test
  void freshProxiesServeTheFirstRateForTenSecondsUnlessToldOrSmoke() {
    assertThat(parse().freshRss).isEqualTo(Duration.ofSeconds(10));
    Options o = parse("--fresh-rss", "20s");
    assertThat(o.freshRss).isEqualTo(Duration.ofSeconds(20));
    assertThat(o.command).contains("--fresh-rss 20s");
    assertThat(parse("--fresh-rss", "0s").freshRss).isZero();
    assertThat(parse("--smoke").freshRss).isZero();
    assertThat(parse("--smoke", "--fresh-rss", "2s").freshRss).isEqualTo(Duration.ofSeconds(2));
    // The run's time bound makes room for it.
    assertThat(parse("--fresh-rss", "60s").timeBound())
        .isGreaterThan(parse("--fresh-rss", "0s").timeBound());
    assertThatThrownBy(() -> parse("--fresh-rss", "ten"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--fresh-rss")
        .hasMessageContaining("'ten'");
  }

  @Test
  void theTimeBoundMakesRoomForAWarmUpAtEveryRate() {
    Duration one = parse("--rates", "1000", "--repeats", "1", "--duration", "1s").timeBound();
    Duration three =
        parse("--rates", "1000,2000,3000", "--repeats", "1", "--duration", "1s").timeBound();
    // Two more rates: two more open-loop warm-ups of up to 25 s for each of HTTP/1.1's two bodies
    // on each of the five paths, doubled like the rest of the bound (the runs themselves add
    // about a fifth of that).
    assertThat(three.minus(one)).isGreaterThanOrEqualTo(Duration.ofSeconds(2 * 5 * 2 * 2 * 25));
  }
}
