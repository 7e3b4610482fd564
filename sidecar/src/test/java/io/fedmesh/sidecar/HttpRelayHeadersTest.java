package io.fedmesh.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** Which request headers a sidecar passes on (RFC 9110 7.6.1). */
class HttpRelayHeadersTest {
  @Test
  void headersTheConnectionHeaderNamesStopAtThisHop() {
    MultiMap from =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "close, X-Internal-Token")
            .add("connection", " Keep-Alive ,x-hop-two")
            .add("X-Internal-Token", "secret")
            .add("x-hop-two", "2")
            .add("Keep-Alive", "timeout=5")
            .add("Transfer-Encoding", "chunked")
            .add("TE", "trailers, deflate")
            .add("Accept", "text/plain")
            .add("X-Dropped-By-Caller", "1");
    MultiMap to = MultiMap.caseInsensitiveMultiMap();

    HttpRelay.copyRequestHeaders(from, to, name -> name.equals("x-dropped-by-caller"));

    assertThat(to.names()).containsExactlyInAnyOrder("Accept", "te");
    assertThat(to.get("te")).isEqualTo("trailers");
  }

  @Test
  void withoutAConnectionHeaderEveryEndToEndHeaderPasses() {
    MultiMap from =
        MultiMap.caseInsensitiveMultiMap().add("Accept", "*/*").add("X-Request-Id", "abc");
    assertThat(HttpRelay.connectionOptions(from)).isEmpty();
    MultiMap to = MultiMap.caseInsensitiveMultiMap();
    HttpRelay.copyRequestHeaders(from, to, name -> false);
    assertThat(to.names()).containsExactlyInAnyOrder("Accept", "X-Request-Id");
  }
}
