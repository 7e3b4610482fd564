package io.fedmesh.controller.peering;

import static io.fedmesh.controller.peering.PeerCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.api.v1.PeerHello;
import io.fedmesh.api.v1.PeerMessage;
import io.fedmesh.api.v1.PeeringGrpcClient;
import io.fedmesh.controller.FederationController;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that is not a linked cluster's controller opens {@code Peering.Exchange} on us-west
 * through its gateway: refused with a gRPC status naming it, and the linked controllers' own stream
 * is unaffected.
 */
class PeeringRefusalIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private PeerCluster east;
  private PeerCluster west;
  private HttpClient http;

  @BeforeEach
  void start() throws Exception {
    east = new PeerCluster("us-east");
    west = new PeerCluster("us-west");
    await(east.peering.link(west.token()));
    await()
        .atMost(WAIT)
        .until(
            () ->
                west.catalog.link("us-east").map(LinkEntry::state).orElse("").equals("connected"));
  }

  @AfterEach
  void stop() throws Exception {
    if (http != null) {
      await(http.close());
    }
    east.close();
    west.close();
  }

  /** Opens Exchange on us-west as {@code who} (an SVID of us-east's CA) and returns its status. */
  private GrpcClientResponse<PeerMessage, PeerMessage> exchangeAs(SpiffeId who, String hello)
      throws Exception {
    MeshTls tls =
        MeshTls.builder(east.svid(who), east.controllers.first().context().bundles()).build();
    http =
        east.vertx.createHttpClient(
            tls.configureClient(
                new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setUseAlpn(true)
                    .setForceSni(true),
                SystemIdentities.controller(west.trustDomain)::equals));
    GrpcClient grpc = GrpcClient.client(east.vertx, http);
    var address =
        Peering.sniAddress(
            "127.0.0.1",
            west.gateway.port(),
            LocalCluster.peeringSni("us-west", FederationController.PEERING_SERVICE_PORT));
    var req = await(grpc.request(address, PeeringGrpcClient.Exchange));
    req.write(PeerMessage.newBuilder().setHello(PeerHello.newBuilder().setCluster(hello)).build());
    var resp = await(req.response());
    await(resp.end().recover(t -> io.vertx.core.Future.succeededFuture()));
    return resp;
  }

  @Test
  void aWorkloadOfTheLinkedTrustDomainIsNotItsController() throws Exception {
    SpiffeId frontend = east.trustDomain.workload("default", "frontend");
    var resp = exchangeAs(frontend, "us-east");
    assertThat(resp.status()).isEqualTo(GrpcStatus.PERMISSION_DENIED);
    assertThat(resp.statusMessage()).isEqualTo(frontend + " is not the controller of us-east");
    assertThat(east.peering.connectedClusters()).containsExactly("us-west");
    assertThat(west.catalog.link("us-east").orElseThrow().state()).isEqualTo("connected");
  }
}
