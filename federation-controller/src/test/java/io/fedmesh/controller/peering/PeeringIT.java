package io.fedmesh.controller.peering;

import static io.fedmesh.controller.peering.PeerCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.api.v1.RedeemRequest;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.trust.bundle.TrustBundle;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two clusters' controllers linked through real east-west gateways (SNI passthrough), real TLS and
 * real gRPC streams, each with its own Hazelcast catalog: us-west accepts, us-east dials.
 */
class PeeringIT {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private final TestClock westClock = new TestClock();
  private PeerCluster east;
  private PeerCluster west;

  @BeforeEach
  void start() throws Exception {
    east = new PeerCluster("us-east");
    west = new PeerCluster("us-west", b -> b.clock(westClock));
    west.service("reviews", true, 9080, 2, 3);
    west.service("internal", false, 9090, 1, 1);
    east.service("frontend", true, 8080, 1, 1);
  }

  @AfterEach
  void stop() throws Exception {
    if (east != null) {
      east.close();
    }
    if (west != null) {
      west.close();
    }
  }

  private void link() throws Exception {
    LinkEntry link = await(east.peering.link(west.token()));
    assertThat(link.dialer()).isTrue();
    awaitConnected();
  }

  private void awaitConnected() {
    await()
        .atMost(BOUND)
        .until(
            () ->
                east.catalog.link("us-west").map(LinkEntry::state).orElse("").equals("connected")
                    && west.catalog
                        .link("us-east")
                        .map(LinkEntry::state)
                        .orElse("")
                        .equals("connected"));
  }

  private static Optional<ImportEntry> exported(PeerCluster at, String from, String svc) {
    return RemoteExports.of(at.catalog, from).stream()
        .flatMap(r -> r.services().stream())
        .filter(i -> i.name().equals(svc))
        .findFirst();
  }

  private static PeeringException refusal(io.vertx.core.Future<?> f) {
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(f));
    assertThat(e.getCause()).isInstanceOf(PeeringException.class);
    return (PeeringException) e.getCause();
  }

  @Test
  void aTokenLinksBothSidesWithBundlesAndExports() throws Exception {
    link();
    assertThat(east.catalog.bundle(west.trustDomain)).isPresent();
    assertThat(west.catalog.bundle(east.trustDomain)).isPresent();
    assertThat(west.catalog.link("us-east").orElseThrow().dialer()).isFalse();
    await().atMost(BOUND).until(() -> exported(east, "us-west", "reviews").isPresent());
    ImportEntry reviews = exported(east, "us-west", "reviews").orElseThrow();
    assertThat(reviews.localities())
        .containsExactly(new LocalityCount("us-west", "us-west-a", 2, 3));
    assertThat(reviews.identities())
        .containsExactly("spiffe://us-west.fedmesh.local/ns/default/sa/reviews");
    assertThat(RemoteExports.of(east.catalog, "us-west").orElseThrow().services())
        .extracting(ImportEntry::name)
        .containsExactly("reviews");
    await().atMost(BOUND).until(() -> exported(west, "us-east", "frontend").isPresent());
    // Both sides learned where the other's gateway and its health listener are.
    assertThat(east.catalog.gateway("us-west").orElseThrow().port()).isEqualTo(west.gateway.port());
    await()
        .atMost(BOUND)
        .until(
            () ->
                PeerAddress.of(west.catalog, "us-east")
                        .map(PeerAddress::gatewayHealthPort)
                        .orElse(0)
                    == east.gateway.healthPort());
  }

  @Test
  void exportChangesAreStreamedAgain() throws Exception {
    link();
    west.service("ratings", true, 9081, 1, 1);
    west.catalog.putEndpoint(west.catalog.endpoints("default", "reviews").get(2).withHealthy(true));
    await()
        .atMost(BOUND)
        .until(
            () ->
                exported(east, "us-west", "ratings").isPresent()
                    && exported(east, "us-west", "reviews")
                        .map(i -> i.localities().get(0).healthy() == 3)
                        .orElse(false));
    west.catalog.removeService("default", "ratings");
    await().atMost(BOUND).until(() -> exported(east, "us-west", "ratings").isEmpty());
  }

  @Test
  void aRotatedBundleReachesTheOtherSideAndAnOlderSequenceIsRefused() throws Exception {
    link();
    var newRoot = io.fedmesh.trust.ca.CertificateAuthority.builder(west.trustDomain).build().root();
    TrustBundle rotated =
        TrustBundle.of(west.trustDomain, List.of(west.ca.root(), newRoot), 2, null);
    assertThat(west.catalog.putBundle(rotated)).isTrue();
    await()
        .atMost(BOUND)
        .until(() -> east.catalog.bundle(west.trustDomain).orElseThrow().sequence() == 2);
    assertThat(east.catalog.bundle(west.trustDomain).orElseThrow().x509Authorities())
        .containsExactly(west.ca.root(), newRoot);

    // An update with an older sequence (a replayed message) is not stored, and counted.
    east.peering.bundleReceived(
        "us-west", Peering.document(TrustBundle.of(west.trustDomain, List.of(newRoot), 1, null)));
    await()
        .atMost(BOUND)
        .until(
            () ->
                east.peering
                        .registry()
                        .counter(Peering.METRIC_BUNDLES_REFUSED, "cluster", "us-west")
                        .count()
                    == 1.0);
    assertThat(east.catalog.bundle(west.trustDomain).orElseThrow().sequence()).isEqualTo(2);
  }

  @Test
  void aTokenIsSingleUse() throws Exception {
    PeeringToken token = PeeringToken.decode(west.token());
    await(east.peering.link(token.encode()));
    // A second redemption of the same token (e.g. replayed by someone who saw it) is refused.
    PeeringException e = refusal(east.peering.redeemAt(token, request(token, "eu-west")));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.PERMISSION_DENIED);
    assertThat(e.getMessage())
        .isEqualTo(
            "peering token '"
                + token.tokenId()
                + "' was already redeemed (by cluster 'us-east'): tokens are single-use, issue a"
                + " new one");
  }

  @Test
  void anExpiredTokenIsRefused() throws Exception {
    String token = west.token();
    westClock.advance(Duration.ofMinutes(6));
    PeeringException e = refusal(east.peering.link(token));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.PERMISSION_DENIED);
    assertThat(e.getMessage()).contains("expired at").endsWith(": issue a new one");
    assertThat(east.catalog.link("us-west")).isEmpty();
    assertThat(west.catalog.link("us-east")).isEmpty();
  }

  @Test
  void aTokenPresentedToTheWrongClusterIsRefused() throws Exception {
    PeeringToken token = PeeringToken.decode(west.token());
    RedeemRequest r = request(token, "us-east").toBuilder().setAccepterCluster("eu-north").build();
    PeeringException e = refusal(east.peering.redeemAt(token, r));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.FAILED_PRECONDITION);
    assertThat(e.getMessage())
        .isEqualTo("wrong cluster: the token names cluster 'eu-north' but this is 'us-west'");
  }

  @Test
  void aClusterCannotLinkToItselfWithItsOwnToken() throws Exception {
    PeeringException e = refusal(east.peering.link(east.token()));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.FAILED_PRECONDITION);
    assertThat(e.getMessage())
        .isEqualTo(
            "a cluster cannot link to itself: the token was issued by 'us-east', which is this"
                + " cluster");
  }

  @Test
  void theAccepterRefusesADialerNamingTheAccepterItself() throws Exception {
    PeeringToken token = PeeringToken.decode(west.token());
    PeeringException e = refusal(east.peering.redeemAt(token, request(token, "us-west")));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.FAILED_PRECONDITION);
    assertThat(e.getMessage())
        .isEqualTo(
            "a cluster cannot link to itself: the dialer is 'us-west', which is this cluster");
  }

  @Test
  void aWrongSecretIsRefused() throws Exception {
    PeeringToken token = PeeringToken.decode(west.token());
    RedeemRequest r = request(token, "us-east").toBuilder().setSecret("x".repeat(43)).build();
    PeeringException e = refusal(east.peering.redeemAt(token, r));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.PERMISSION_DENIED);
    assertThat(e.getMessage()).isEqualTo("peering token '" + token.tokenId() + "': wrong secret");
  }

  @Test
  void unlinkRemovesTheLinkBundleAndExportsOnBothSides() throws Exception {
    link();
    await().atMost(BOUND).until(() -> exported(east, "us-west", "reviews").isPresent());
    await(east.peering.unlink("us-west"));
    assertThat(east.catalog.link("us-west")).isEmpty();
    assertThat(east.catalog.bundle(west.trustDomain)).isEmpty();
    assertThat(RemoteExports.of(east.catalog, "us-west")).isEmpty();
    assertThat(east.catalog.gateway("us-west")).isEmpty();
    // The goodbye reached us-west, which removed its side too.
    await()
        .atMost(BOUND)
        .until(
            () ->
                west.catalog.link("us-east").isEmpty()
                    && west.catalog.bundle(east.trustDomain).isEmpty()
                    && RemoteExports.of(west.catalog, "us-east").isEmpty());
  }

  @Test
  void unlinkingAClusterThatIsNotLinkedIsNotFound() throws Exception {
    PeeringException e = refusal(east.peering.unlink("eu-west"));
    assertThat(e.kind()).isEqualTo(PeeringException.Kind.NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("no link to cluster 'eu-west'");
  }

  @Test
  void aLostStreamIsMarkedLostAndRedialedWhenTheGatewayIsBack() throws Exception {
    link();
    west.stopGateway();
    await()
        .atMost(BOUND)
        .until(() -> east.catalog.link("us-west").map(LinkEntry::state).orElse("").equals("lost"));
    west.restartGateway();
    awaitConnected();
    assertThat(east.peering.connectedClusters()).containsExactly("us-west");
  }

  private RedeemRequest request(PeeringToken token, String dialer) {
    return RedeemRequest.newBuilder()
        .setTokenId(token.tokenId())
        .setSecret(token.secret())
        .setDialerCluster(dialer)
        .setAccepterCluster(token.cluster())
        .setDialerBundle(Peering.document(east.catalog.bundle(east.trustDomain).orElseThrow()))
        .build();
  }
}
