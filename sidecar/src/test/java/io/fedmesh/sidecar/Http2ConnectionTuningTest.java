package io.fedmesh.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.testing.TestCalls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link Http2Flushes} changes on a real Vert.x HTTP/2 connection: responses written in one
 * event-loop task outside a read of their connection (what a relay does) leave in one flush, and a
 * lone deferred flush still goes out with nothing else happening; and that the {@link Http2Windows}
 * of a client reach the server.
 */
class Http2ConnectionTuningTest {
  private static final int STREAMS = 8;

  private Vertx vertx;
  private HttpServer server;
  private HttpClient client;
  private final AtomicInteger socketFlushes = new AtomicInteger();
  private final AtomicReference<HttpConnection> serverConnection = new AtomicReference<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * Eight streams on one connection, answered together from a later task of the server's event
   * loop: with the coalescing one flush reaches the socket, without it Vert.x flushes once per
   * response.
   */
  @ParameterizedTest(name = "coalescing={0}")
  @ValueSource(booleans = {true, false})
  void responsesWrittenInOneTaskOutsideAReadLeaveInOneFlush(boolean coalescing) throws Exception {
    List<HttpServerRequest> waiting = new ArrayList<>();
    CompletableFuture<Integer> flushes = new CompletableFuture<>();
    int port =
        listen(
            coalescing,
            request -> {
              waiting.add(request);
              if (waiting.size() < STREAMS) {
                return;
              }
              Context context = Vertx.currentContext();
              context.runOnContext(
                  v -> {
                    int before = socketFlushes.get();
                    waiting.forEach(r -> r.response().end("answer"));
                    // Runs after the deferred flush the writes above scheduled.
                    context.runOnContext(v2 -> flushes.complete(socketFlushes.get() - before));
                  });
            });
    client = h2cClient(coalescing);

    List<String> bodies = callConcurrently(port, STREAMS);

    assertThat(bodies).hasSize(STREAMS).containsOnly("200 answer");
    if (coalescing) {
      assertThat(flushes.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    } else {
      assertThat(flushes.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(STREAMS);
    }
  }

  @Test
  void aLoneResponseFromATimerStillGoesOut() throws Exception {
    int port =
        listen(true, request -> vertx.setTimer(20, t -> request.response().end("late answer")));
    client = h2cClient(true);

    assertThat(callConcurrently(port, 1)).containsExactly("200 late answer");
  }

  @Test
  void installsOnBothEndsOfAnHttp2ConnectionOnly() throws Exception {
    int port = listen(true, request -> request.response().end("ok"));
    AtomicReference<HttpConnection> clientConnection = new AtomicReference<>();
    client =
        vertx
            .httpClientBuilder()
            .with(h2cOptions())
            .withConnectHandler(
                conn -> {
                  Http2Flushes.install(conn);
                  Http2Flushes.install(conn); // twice: still one handler
                  clientConnection.set(conn);
                })
            .build();
    callConcurrently(port, 1);

    assertThat(handlers(clientConnection.get())).containsOnlyOnce(Http2Flushes.NAME);
    assertThat(handlers(serverConnection.get())).containsOnlyOnce(Http2Flushes.NAME);

    AtomicReference<HttpConnection> http1 = new AtomicReference<>();
    HttpClient http1Client =
        vertx
            .httpClientBuilder()
            .with(new HttpClientOptions())
            .withConnectHandler(
                conn -> {
                  Http2Flushes.install(conn);
                  http1.set(conn);
                })
            .build();
    RequestOptions ro = new RequestOptions().setPort(port).setHost("127.0.0.1").setURI("/");
    assertThat(TestCalls.statusAndBody(vertx, http1Client, ro)).isEqualTo("200 ok");
    assertThat(handlers(http1.get())).doesNotContain(Http2Flushes.NAME);
    assertThat(handlers(serverConnection.get())).doesNotContain(Http2Flushes.NAME);
  }

  @Test
  void theSidecarsClientsAdvertiseItsWindows() throws Exception {
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .connectionHandler(serverConnection::set)
            .requestHandler(request -> request.response().end("ok"));
    int port = server.listen().await(10, TimeUnit.SECONDS).actualPort();
    AtomicReference<HttpConnection> clientConnection = new AtomicReference<>();
    client =
        vertx
            .httpClientBuilder()
            .with(Http2Windows.on(h2cOptions()))
            .withConnectHandler(clientConnection::set)
            .build();
    callConcurrently(port, 1);

    // What the server was told: the initial window of each stream ...
    assertThat(serverConnection.get().remoteSettings().getInitialWindowSize())
        .isEqualTo(Http2Windows.STREAM_WINDOW);
    // ... and what the client lets the whole connection receive.
    Http2Connection h2 =
        ((Http2ConnectionHandler)
                pipeline(clientConnection.get()).context(Http2ConnectionHandler.class).handler())
            .connection();
    assertThat(h2.local().flowController().initialWindowSize(h2.connectionStream()))
        .isEqualTo(Http2Windows.CONNECTION_WINDOW);
    // The server, with HTTP/2's defaults, granted 64 KiB.
    assertThat(clientConnection.get().remoteSettings().getInitialWindowSize()).isEqualTo(65_535);
  }

  private int listen(boolean coalescing, io.vertx.core.Handler<HttpServerRequest> handler)
      throws Exception {
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .connectionHandler(
                conn -> {
                  if (coalescing) {
                    Http2Flushes.install(conn);
                  }
                  pipeline(conn).addFirst("count-flushes", new CountFlushes(socketFlushes));
                  serverConnection.set(conn);
                })
            .requestHandler(handler);
    return server.listen().await(10, TimeUnit.SECONDS).actualPort();
  }

  private HttpClient h2cClient(boolean coalescing) {
    return vertx
        .httpClientBuilder()
        .with(h2cOptions())
        .with(new PoolOptions().setHttp2MaxSize(1))
        .withConnectHandler(
            conn -> {
              if (coalescing) {
                Http2Flushes.install(conn);
              }
            })
        .build();
  }

  private static HttpClientOptions h2cOptions() {
    return new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false);
  }

  /** {@code n} GETs sent together on a context; {@code "<status> <body>"} of each. */
  private List<String> callConcurrently(int port, int n) throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/");
    return TestCalls.call(
        vertx,
        ro,
        () -> {
          List<Future<String>> calls = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            calls.add(
                client
                    .request(ro)
                    .compose(r -> r.send())
                    .compose(r -> r.body().map(b -> r.statusCode() + " " + b)));
          }
          return Future.all(calls).map(all -> all.<String>list());
        });
  }

  private static ChannelPipeline pipeline(HttpConnection conn) {
    return ((ConnectionBase) conn).channelHandlerContext().pipeline();
  }

  private static List<String> handlers(HttpConnection conn) {
    return pipeline(conn).names();
  }

  /** Counts the flushes that reach the socket end of the pipeline. */
  private static final class CountFlushes extends ChannelOutboundHandlerAdapter {
    private final AtomicInteger count;

    CountFlushes(AtomicInteger count) {
      this.count = count;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      count.incrementAndGet();
      ctx.flush();
    }
  }
}
