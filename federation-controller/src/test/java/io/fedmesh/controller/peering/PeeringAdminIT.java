package io.fedmesh.controller.peering;

import static io.fedmesh.controller.peering.PeerCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.admin.ControllerAdminClient;
import io.fedmesh.controller.admin.ControllerAdminClient.AdminException;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The peering routes on the controllers' real admin API (mTLS, operator identity), as {@code
 * fedmesh link} / {@code unlink} use them: refusals come back as 4xx with the message.
 */
class PeeringAdminIT {
  private PeerCluster east;
  private PeerCluster west;
  private ControllerAdminClient eastAdmin;
  private ControllerAdminClient westAdmin;

  @BeforeEach
  void start() throws Exception {
    east = new PeerCluster("us-east");
    west = new PeerCluster("us-west");
    eastAdmin = admin(east);
    westAdmin = admin(west);
  }

  @AfterEach
  void stop() throws Exception {
    eastAdmin.close();
    westAdmin.close();
    east.close();
    west.close();
  }

  private static ControllerAdminClient admin(PeerCluster c) {
    MeshTls operator =
        MeshTls.builder(
                c.svid(SystemIdentities.operator(c.trustDomain)),
                c.controllers.first().context().bundles())
            .build();
    return new ControllerAdminClient(
        c.vertx, operator, c.trustDomain, "127.0.0.1", c.controllers.first().mtlsPort());
  }

  private static JsonObject json(Future<io.vertx.core.buffer.Buffer> f) throws Exception {
    return await(f).toJsonObject();
  }

  private static AdminException refused(Future<?> f) {
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(f));
    assertThat(e.getCause()).isInstanceOf(AdminException.class);
    return (AdminException) e.getCause();
  }

  private String token(ControllerAdminClient admin) throws Exception {
    JsonObject t = json(admin.call(HttpMethod.POST, "/v1/peering-tokens", new JsonObject()));
    return t.getString("token");
  }

  @Test
  void tokenLinkAndUnlinkThroughTheAdminApi() throws Exception {
    JsonObject issued =
        json(
            westAdmin.call(
                HttpMethod.POST, "/v1/peering-tokens", new JsonObject().put("ttl", "PT2M")));
    assertThat(issued.getString("cluster")).isEqualTo("us-west");
    JsonObject link =
        json(
            eastAdmin.call(
                HttpMethod.POST,
                "/v1/links",
                new JsonObject().put("token", issued.getString("token"))));
    assertThat(link.getString("cluster")).isEqualTo("us-west");
    assertThat(link.getBoolean("dialer")).isTrue();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                west.catalog.link("us-east").map(LinkEntry::state).orElse("").equals("connected"));

    await(eastAdmin.call(HttpMethod.DELETE, "/v1/links/us-west", null));
    assertThat(east.catalog.link("us-west")).isEmpty();
    AdminException again = refused(eastAdmin.call(HttpMethod.DELETE, "/v1/links/us-west", null));
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.getMessage()).isEqualTo("404: no link to cluster 'us-west'");
  }

  @Test
  void aReusedTokenIs403WithTheReason() throws Exception {
    String token = token(westAdmin);
    await(eastAdmin.call(HttpMethod.POST, "/v1/links", new JsonObject().put("token", token)));
    // Unlink once the stream is up, so the goodbye reaches us-west and it unlinks too.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> east.peering.connectedClusters().contains("us-west"));
    await(eastAdmin.call(HttpMethod.DELETE, "/v1/links/us-west", null));
    await().atMost(Duration.ofSeconds(20)).until(() -> west.catalog.link("us-east").isEmpty());
    AdminException e =
        refused(eastAdmin.call(HttpMethod.POST, "/v1/links", new JsonObject().put("token", token)));
    assertThat(e.status()).isEqualTo(403);
    assertThat(e.getMessage())
        .contains("was already redeemed (by cluster 'us-east'): tokens are single-use");
  }

  @Test
  void aLinkToItselfIs409() throws Exception {
    AdminException e =
        refused(
            eastAdmin.call(
                HttpMethod.POST, "/v1/links", new JsonObject().put("token", token(eastAdmin))));
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.getMessage())
        .isEqualTo(
            "409: a cluster cannot link to itself: the token was issued by 'us-east', which is"
                + " this cluster");
  }

  @Test
  void aTokenThatIsNotBase64IsA400NamingIt() {
    AdminException e =
        refused(eastAdmin.call(HttpMethod.POST, "/v1/links", new JsonObject().put("token", "%%%")));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).startsWith("400: peering token: not base64url text");
  }

  @Test
  void aMissingTokenIsA400() {
    AdminException e = refused(eastAdmin.call(HttpMethod.POST, "/v1/links", new JsonObject()));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage())
        .isEqualTo("400: token: missing (expected: the string fedmesh issued)");
  }

  @Test
  void aBadTtlIsA400() {
    AdminException e =
        refused(
            westAdmin.call(
                HttpMethod.POST, "/v1/peering-tokens", new JsonObject().put("ttl", "15 minutes")));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage())
        .isEqualTo("400: ttl: '15 minutes' (expected: an ISO-8601 duration such as PT15M)");
  }

  @Test
  void aTtlBeyondSevenDaysIsA400() {
    AdminException e =
        refused(
            westAdmin.call(
                HttpMethod.POST, "/v1/peering-tokens", new JsonObject().put("ttl", "P30D")));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).isEqualTo("400: ttl: PT720H (expected: 1s..PT168H)");
  }
}
