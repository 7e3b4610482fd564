package io.fedmesh.sidecar.outbound;

import static io.fedmesh.sidecar.FederatedIdentities.EAST_A;
import static io.fedmesh.sidecar.FederatedIdentities.WEST_A;
import static io.fedmesh.sidecar.FederatedIdentities.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.sidecar.FederatedIdentities;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real gRPC (vertx-grpc's generic API, messages as raw bytes, no protoc) across clusters: a gRPC
 * client app → h2c → outbound sidecar (us-east) → mTLS through us-west's east-west gateway →
 * inbound sidecar (us-west) → h2c → a gRPC server app. Unary and bidirectional streaming calls keep
 * their messages, order, status, status message and custom trailing metadata; an error status
 * passes through unchanged.
 */
class GrpcCrossClusterIT {
  private static final ServiceName GREETER = new ServiceName("greeter", "default");
  private static final String HOST = "greeter-us-west.default.svc.clusterset.local";
  private static final io.vertx.grpc.common.ServiceName ECHO =
      io.vertx.grpc.common.ServiceName.create("fedmesh.test.Echo");
  private final FederatedIdentities mesh = new FederatedIdentities();
  private Vertx vertx;
  private GrpcClient client;
  private SocketAddress outbound;

  private static ServiceMethod<Buffer, Buffer> method(String name) {
    return ServiceMethod.client(
        ECHO, name, GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
  }

  /** The us-west gRPC app over h2c: Say (unary), Chat (bidi) and Fail (error status). */
  private int grpcApp() throws Exception {
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.callHandler(
        ServiceMethod.server(ECHO, "Say", GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY),
        req ->
            req.last()
                .onSuccess(
                    msg -> {
                      var resp = req.response();
                      resp.trailers().set("x-served-by", "us-west");
                      resp.trailers()
                          .set("x-caller", req.headers().get(InboundProxy.PEER_IDENTITY_HEADER));
                      resp.end(Buffer.buffer("hello ").appendBuffer(msg));
                    }));
    grpc.callHandler(
        ServiceMethod.server(
            ECHO, "Chat", GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY),
        req -> {
          var resp = req.response();
          int[] count = {0};
          req.handler(
              msg -> {
                count[0]++;
                resp.write(Buffer.buffer("echo:").appendBuffer(msg));
              });
          req.endHandler(
              v -> {
                resp.trailers().set("x-count", Integer.toString(count[0]));
                resp.end();
              });
        });
    grpc.callHandler(
        ServiceMethod.server(
            ECHO, "Fail", GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY),
        // grpc-message is sent with an error status (Vert.x leaves it out with OK).
        req ->
            req.last()
                .onSuccess(
                    msg -> {
                      var resp = req.response();
                      resp.status(GrpcStatus.NOT_FOUND);
                      resp.statusMessage("no such thing: " + msg);
                      resp.trailers().set("x-detail", "missing");
                      resp.end();
                    }));
    return await(
            vertx
                .createHttpServer(new HttpServerOptions())
                .requestHandler(grpc)
                .listen(0, "127.0.0.1"))
        .actualPort();
  }

  @BeforeEach
  void start() throws Exception {
    // The app dials the mesh host name, as a real one would; it resolves to the outbound sidecar.
    vertx =
        Vertx.vertx(
            new VertxOptions()
                .setAddressResolverOptions(
                    new AddressResolverOptions()
                        .setHostsValue(Buffer.buffer("127.0.0.1 " + HOST + "\n"))));
    int westInbound =
        await(
            InboundProxy.builder(vertx, mesh.west("/ns/default/sa/greeter"), grpcApp())
                .appHttp2(true)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    Service westView =
        greeter(List.of(Endpoint.local("greeter-w1", "127.0.0.1", westInbound, WEST_A)));
    EastWestGateway gateway =
        await(
            EastWestGateway.builder(
                    new ProxySnapshot(
                        1,
                        "us-west",
                        WEST_A,
                        Map.of(GREETER, westView),
                        Map.of(),
                        AuthorizationPolicy.ALLOW_MESH))
                .host("127.0.0.1")
                .port(0)
                .adminPort(0)
                .build()
                .start(vertx));
    Service eastView =
        greeter(
            List.of(
                new Endpoint(
                    "us-west/us-west-1a",
                    "127.0.0.1",
                    gateway.port(),
                    WEST_A,
                    1,
                    true,
                    Optional.of("greeter.default.50051.us-west.fedmesh"))));
    ProxySnapshot frontendView =
        new ProxySnapshot(
            1,
            "us-east",
            EAST_A,
            Map.of(GREETER, eastView),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    int port =
        await(
            OutboundProxy.builder(vertx, mesh.east("/ns/default/sa/frontend"), () -> frontendView)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    outbound = SocketAddress.inetSocketAddress(port, HOST);
    client =
        GrpcClient.client(
            vertx,
            new GrpcClientOptions(),
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
  }

  private static Service greeter(List<Endpoint> endpoints) {
    return new Service(
        GREETER,
        List.of(new ServicePort("grpc", 50051, Protocol.GRPC)),
        List.of(FederatedIdentities.id(FederatedIdentities.WEST, "/ns/default/sa/greeter")),
        true,
        endpoints);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  /**
   * A response, its last message (null when there was none) and the failure its stream ended with
   * (null when it ended; a gRPC error status is not one: it is in {@code resp.status()}).
   */
  private record Answer(GrpcClientResponse<Buffer, Buffer> resp, Buffer body, Throwable end) {}

  /**
   * Sends one message to {@code name} and waits for the whole answer. The chain runs on a Vert.x
   * context ({@link TestCalls}): the response's handlers are set in the callback that delivers it,
   * not later from this thread, after its messages may have gone by.
   */
  private Answer unary(String name, String message) throws Exception {
    return TestCalls.start(
            vertx,
            () ->
                client
                    .request(outbound, method(name))
                    .compose(
                        req -> {
                          req.end(Buffer.buffer(message));
                          return req.response();
                        })
                    .compose(
                        resp ->
                            resp.collect(Collectors.toList())
                                .transform(
                                    ar ->
                                        Future.succeededFuture(
                                            ar.succeeded()
                                                ? new Answer(
                                                    resp,
                                                    ar.result().isEmpty()
                                                        ? null
                                                        : ar.result().get(ar.result().size() - 1),
                                                    null)
                                                : new Answer(resp, null, ar.cause())))))
        .get(15, TimeUnit.SECONDS);
  }

  @Test
  void unaryCallCrossesTheGatewayWithStatusAndTrailingMetadata() throws Exception {
    Answer a = unary("Say", "east");
    assertThat(a.end()).isNull();
    assertThat(a.body()).hasToString("hello east");
    assertThat(a.resp().status()).isEqualTo(GrpcStatus.OK);
    assertThat(a.resp().trailers().get("x-served-by")).isEqualTo("us-west");
    assertThat(a.resp().trailers().get("x-caller"))
        .isEqualTo(
            SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/frontend").toString());
  }

  @Test
  void bidiStreamInterleavesAcrossClustersAndEndsWithItsTrailers() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    CompletableFuture<GrpcClientResponse<Buffer, Buffer>> ended = new CompletableFuture<>();
    // Opened on a context, with the response's handlers set in the callback that delivers it.
    GrpcClientRequest<Buffer, Buffer> req =
        TestCalls.start(
                vertx,
                () ->
                    client
                        .request(outbound, method("Chat"))
                        .map(
                            r -> {
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
    // Each message's echo comes back before the next is sent: the stream is live both ways.
    for (int i = 1; i <= 3; i++) {
      Buffer message = Buffer.buffer("m" + i);
      TestCalls.start(vertx, () -> req.write(message)).get(15, TimeUnit.SECONDS);
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:m" + i);
    }
    TestCalls.start(vertx, req::end).get(15, TimeUnit.SECONDS);
    GrpcClientResponse<Buffer, Buffer> resp = ended.get(10, TimeUnit.SECONDS);
    assertThat(resp.status()).isEqualTo(GrpcStatus.OK);
    assertThat(resp.trailers().get("x-count")).isEqualTo("3");
  }

  @Test
  void errorStatusPassesThroughUnchanged() throws Exception {
    Answer a = unary("Fail", "widget-7");
    assertThat(a.body()).isNull();
    assertThat(a.resp().status()).isEqualTo(GrpcStatus.NOT_FOUND);
    assertThat(a.resp().statusMessage()).isEqualTo("no such thing: widget-7");
    // No message was sent, so the server answered "trailers-only": status and metadata in the
    // one HEADERS frame, which the mesh relays as it came.
    assertThat(a.resp().headers().get("x-detail")).isEqualTo("missing");
    assertThat(a.resp().headers().get("grpc-status")).isEqualTo("5");
  }
}
