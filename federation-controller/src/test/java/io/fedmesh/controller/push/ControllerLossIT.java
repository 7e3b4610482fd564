package io.fedmesh.controller.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.TestProxy;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With no controller reachable, a real sidecar configured by push keeps serving its app's requests
 * from the last good snapshot.
 */
class ControllerLossIT {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static <T> T sync(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aSidecarKeepsServingFromItsLastSnapshotWhileNoControllerAnswers() throws Exception {
    try (ControllerFixture fixture = ControllerFixture.start("loss-it", 1, b -> {});
        TestProxy frontend = TestProxy.sidecar(fixture, "default", "frontend")) {
      // reviews: an app behind a real inbound sidecar, registered in the catalog.
      int appPort =
          sync(frontend
                  .vertx
                  .createHttpServer(new HttpServerOptions())
                  .requestHandler(req -> req.response().end("reviews says hi"))
                  .listen(0, "127.0.0.1"))
              .actualPort();
      MeshTls reviewsTls =
          MeshTls.builder(
                  SvidIssuer.issueLocally(
                      fixture.ca,
                      fixture.ca.trustDomain().workload("default", "reviews"),
                      KeyAlgorithm.EC_P256,
                      Duration.ofHours(1)),
                  frontend.bundles)
              .build();
      int inboundPort =
          sync(
              InboundProxy.builder(frontend.vertx, reviewsTls, appPort)
                  .listen("127.0.0.1", 0)
                  .build()
                  .start());
      Catalog catalog = fixture.first().catalog();
      fixture.putService("default", "reviews", false);
      catalog.putEndpoint(
          new EndpointEntry(
              "default",
              "reviews",
              "reviews-1",
              "127.0.0.1",
              inboundPort,
              "loss-it",
              "loss-it-a",
              1,
              true));

      // frontend: its outbound sidecar reads the pushed snapshot.
      frontend.client.start();
      await()
          .atMost(BOUND)
          .until(
              () ->
                  frontend.snapshot() != null
                      && frontend
                          .snapshot()
                          .service(new ServiceName("reviews", "default"))
                          .map(s -> !s.endpoints().isEmpty())
                          .orElse(false));
      int outboundPort =
          sync(
              OutboundProxy.builder(frontend.vertx, frontend.tls, frontend::snapshot)
                  .listen("127.0.0.1", 0)
                  .build()
                  .start());
      HttpClient app = frontend.vertx.createHttpClient(new HttpClientOptions());
      assertThat(call(frontend.vertx, app, outboundPort)).isEqualTo("200 reviews says hi");

      fixture.first().kill().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      await().atMost(BOUND).until(() -> !frontend.client.state().connected());

      assertThat(call(frontend.vertx, app, outboundPort)).isEqualTo("200 reviews says hi");
      assertThat(frontend.client.state().version()).isNotEmpty();
    }
  }

  private static String call(Vertx vertx, HttpClient app, int outboundPort) throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
            .setHost("reviews.default.svc.cluster.local")
            .setPort(9080)
            .setURI("/")
            .setIdleTimeout(10_000);
    return TestCalls.statusAndBody(vertx, app, ro);
  }
}
