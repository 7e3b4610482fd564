package io.fedmesh.sidecar.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC's shape over the mesh: h2c from the app, a streaming request and a streaming response
 * interleaved (bidi), and the status in trailers, through outbound and inbound sidecars to an h2c
 * app.
 */
class StreamingIT {
  private static final TrustDomain TD = TrustDomain.of("us-east.fedmesh.local");
  private static final Locality ZONE_A = new Locality("us-east", "us-east-1a", "us-east");
  private final CertificateAuthority ca = CertificateAuthority.builder(TD).build();
  private final BundleSet bundles = BundleSet.of(TrustBundle.of(TD, List.of(ca.root()), 1, null));
  private Vertx vertx;
  private int outboundPort;
  private HttpClient h2c;

  private Svid svid(String path) {
    return SvidIssuer.issueLocally(
        ca, SpiffeId.parse(TD.idString() + path), KeyAlgorithm.EC_P256, SvidIssuer.DEFAULT_TTL);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // An h2c "gRPC" server: echoes each request chunk as it arrives, ends with grpc-status 0.
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .requestHandler(
                        req -> {
                          var resp = req.response();
                          resp.putHeader("content-type", "application/grpc");
                          req.handler(buf -> resp.write(Buffer.buffer("echo:").appendBuffer(buf)));
                          req.endHandler(
                              v -> {
                                resp.trailers().set("grpc-status", "0").set("grpc-message", "done");
                                resp.end();
                              });
                        })
                    .listen(0, "127.0.0.1"))
            .actualPort();
    SpiffeId greeter = SpiffeId.parse(TD.idString() + "/ns/default/sa/greeter");
    int inbound =
        await(
            InboundProxy.builder(
                    vertx,
                    MeshTls.builder(svid("/ns/default/sa/greeter"), bundles).build(),
                    appPort)
                .appHttp2(true)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    Service service =
        new Service(
            new ServiceName("greeter", "default"),
            List.of(new ServicePort("grpc", 50051, Protocol.GRPC)),
            List.of(greeter),
            false,
            List.of(Endpoint.local("greeter-1", "127.0.0.1", inbound, ZONE_A)));
    ProxySnapshot snapshot =
        new ProxySnapshot(
            1,
            "us-east",
            ZONE_A,
            Map.of(service.name(), service),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    outboundPort =
        await(
            OutboundProxy.builder(
                    vertx,
                    MeshTls.builder(svid("/ns/default/sa/client"), bundles).build(),
                    () -> snapshot)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    h2c =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void bidiStreamInterleavesAndTrailersArrive() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    CompletableFuture<HttpClientResponse> ended = new CompletableFuture<>();
    // Opened on a Vert.x context (TestCalls), with the response's handlers set in the callback
    // that delivers it rather than from this thread.
    HttpClientRequest req =
        TestCalls.start(
                vertx,
                () ->
                    h2c.request(
                            new RequestOptions()
                                .setMethod(HttpMethod.POST)
                                .setServer(
                                    SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
                                .setHost("greeter.default.svc.cluster.local")
                                .setPort(50051)
                                .setURI("/helloworld.Greeter/SayHelloStream"))
                        .map(
                            r -> {
                              r.putHeader("content-type", "application/grpc")
                                  .putHeader("te", "trailers")
                                  .setChunked(true);
                              r.response()
                                  .onSuccess(
                                      resp -> {
                                        resp.handler(b -> received.add(b.toString()));
                                        resp.endHandler(v -> ended.complete(resp));
                                        resp.exceptionHandler(ended::completeExceptionally);
                                      })
                                  .onFailure(ended::completeExceptionally);
                              return r;
                            }))
            .get(15, TimeUnit.SECONDS);
    // Bidi: each message's echo comes back before the next message is sent.
    for (int i = 1; i <= 3; i++) {
      String message = "m" + i;
      TestCalls.start(vertx, () -> req.write(message)).get(15, TimeUnit.SECONDS);
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:m" + i);
    }
    TestCalls.start(vertx, req::end).get(15, TimeUnit.SECONDS);
    HttpClientResponse resp = ended.get(10, TimeUnit.SECONDS);
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.getHeader("content-type")).isEqualTo("application/grpc");
    assertThat(resp.trailers().get("grpc-status")).isEqualTo("0");
    assertThat(resp.trailers().get("grpc-message")).isEqualTo("done");
  }
}
