package io.fedmesh.sidecar.health;

import static io.fedmesh.sidecar.MeshFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.testing.TestCalls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbound's own health answer, against a real app socket. */
class AppHealthTest {
  private final AtomicInteger connects = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong(-5_000_000_000L);
  private Vertx vertx;
  private NetServer app;
  private int appPort;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    app = vertx.createNetServer().connectHandler(s -> connects.incrementAndGet());
    appPort = await(app.listen(0, "127.0.0.1")).actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private AppHealth health(int port) {
    return new AppHealth(vertx, "127.0.0.1", port, Duration.ofSeconds(1), nanos::get);
  }

  @Test
  void passesWhenTheAppAcceptsAConnection() throws Exception {
    await(health(appPort).check());
  }

  @Test
  void failsNamingTheAppWhenNothingListens() throws Exception {
    AppHealth health = health(appPort);
    await(app.close());
    assertThatThrownBy(() -> await(health.check()))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .hasMessageStartingWith("app 127.0.0.1:" + appPort + " does not accept connections: ");
  }

  @Test
  void oneConnectAnswersTheChecksWithinItsTtl() throws Exception {
    AppHealth health = health(appPort);
    await(health.check());
    await(health.check());
    nanos.addAndGet(AppHealth.RESULT_TTL.toNanos() - 1);
    await(health.check());
    org.awaitility.Awaitility.await().until(() -> connects.get() == 1);

    nanos.addAndGet(1);
    await(health.check());
    org.awaitility.Awaitility.await().until(() -> connects.get() == 2);
  }

  private String call(int port, HttpMethod method) throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions());
    RequestOptions ro =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(AppHealth.PATH);
    return TestCalls.statusAndBody(vertx, client, ro);
  }

  private int server(AppHealth health) throws Exception {
    return await(
            vertx
                .createHttpServer(new HttpServerOptions())
                .requestHandler(health::answer)
                .listen(0, "127.0.0.1"))
        .actualPort();
  }

  @Test
  void answers200WhileTheAppIsUp() throws Exception {
    assertThat(call(server(health(appPort)), HttpMethod.GET)).isEqualTo("200 ok\n");
  }

  @Test
  void answers503NamingTheAppWhenItIsDown() throws Exception {
    AppHealth health = health(appPort);
    await(app.close());
    assertThat(call(server(health), HttpMethod.GET))
        .startsWith("503 app 127.0.0.1:" + appPort + " does not accept connections: ");
  }

  @Test
  void answers405ToAPost() throws Exception {
    assertThat(call(server(health(appPort)), HttpMethod.POST))
        .isEqualTo("405 health path: GET or HEAD only\n");
  }
}
