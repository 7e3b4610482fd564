package io.fedmesh.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a relayed response body is written: the chunks that come in one event-loop task go out as one
 * write at its end (or with the end), in order and byte for byte, and a later task's chunks in a
 * write of their own. The downstream response is a recording stand-in; the task boundaries are a
 * real Vert.x context's.
 */
class HttpRelayResponseBodyTest {
  private Vertx vertx;
  private Context context;
  private final List<String> calls = new ArrayList<>();
  private final Buffer written = Buffer.buffer();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void chunksOfOneTaskGoOutAsOneWriteInOrder() throws Exception {
    inOneTask(
        body -> {
          body.chunk(Buffer.buffer("ab"));
          body.chunk(Buffer.buffer("cd"));
          body.chunk(Buffer.buffer("e"));
        });
    inOneTask(body -> {}); // the flush task ran before this one
    assertThat(calls).containsExactly("write 5");
    assertThat(written.toString()).isEqualTo("abcde");
  }

  @Test
  void chunksAndTheEndOfOneTaskGoOutWithTheEnd() throws Exception {
    inOneTask(
        body -> {
          body.chunk(Buffer.buffer("ab"));
          body.chunk(Buffer.buffer("c"));
          body.end();
        });
    inOneTask(body -> {});
    assertThat(calls).containsExactly("end 3");
    assertThat(written.toString()).isEqualTo("abc");
  }

  @Test
  void manyTinyChunksOfOneTaskGoOutAsOneWriteInOrder() throws Exception {
    StringBuilder expected = new StringBuilder();
    inOneTask(
        body -> {
          for (int i = 0; i < 5000; i++) {
            String one = String.valueOf((char) ('a' + i % 26));
            expected.append(one);
            body.chunk(Buffer.buffer(one));
          }
        });
    inOneTask(body -> {});
    assertThat(calls).containsExactly("write 5000");
    assertThat(written.toString()).isEqualTo(expected.toString());
  }

  @Test
  void chunksOfLaterTasksGoOutInTheirOwnWrites() throws Exception {
    inOneTask(body -> body.chunk(Buffer.buffer("ab")));
    inOneTask(body -> body.chunk(Buffer.buffer("cd")));
    inOneTask(body -> body.end());
    assertThat(calls).containsExactly("write 2", "write 2", "end");
    assertThat(written.toString()).isEqualTo("abcd");
  }

  @Test
  void aDiscardedBodyWritesNothing() throws Exception {
    inOneTask(
        body -> {
          body.chunk(Buffer.buffer("ab"));
          body.chunk(Buffer.buffer("cd"));
          body.discard();
        });
    inOneTask(body -> {});
    assertThat(calls).isEmpty();
  }

  private HttpRelay.ResponseBody body;

  /** Runs {@code step} on the context as one task, with the body (made on the first call). */
  private void inOneTask(Consumer<HttpRelay.ResponseBody> step) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          if (body == null) {
            body = new HttpRelay.ResponseBody(clientResponse(), recording(), context);
          }
          step.accept(body);
          done.complete(null);
        });
    done.get(10, TimeUnit.SECONDS);
  }

  /** The upstream response: the body pauses it only when the downstream queue is full (never). */
  private static HttpClientResponse clientResponse() {
    return (HttpClientResponse)
        Proxy.newProxyInstance(
            HttpRelayResponseBodyTest.class.getClassLoader(),
            new Class<?>[] {HttpClientResponse.class},
            (proxy, method, args) -> {
              throw new UnsupportedOperationException(method.getName());
            });
  }

  /** A downstream response that records its writes and ends, with their lengths and bytes. */
  private HttpServerResponse recording() {
    return (HttpServerResponse)
        Proxy.newProxyInstance(
            HttpRelayResponseBodyTest.class.getClassLoader(),
            new Class<?>[] {HttpServerResponse.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "write" -> {
                    Buffer b = (Buffer) args[0];
                    calls.add("write " + b.length());
                    written.appendBuffer(b);
                    yield Future.succeededFuture();
                  }
                  case "end" -> {
                    if (args == null || args.length == 0) {
                      calls.add("end");
                    } else {
                      Buffer b = (Buffer) args[0];
                      calls.add("end " + b.length());
                      written.appendBuffer(b);
                    }
                    yield Future.succeededFuture();
                  }
                  case "writeQueueFull" -> false;
                  case "headWritten" -> true;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }
}
