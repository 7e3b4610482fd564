package io.fedmesh.controller.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.admin.ControllerAdminClient.AdminException;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API over real mTLS: the operator may, nobody else may, and every input is checked. */
class AdminApiIT {
  private static ControllerFixture fixture;
  private static Vertx vertx;
  private static ControllerAdminClient operator;
  private static ControllerAdminClient workload;

  @BeforeAll
  static void start() throws Exception {
    fixture = ControllerFixture.start("admin-it", 1, b -> {});
    vertx = Vertx.vertx();
    operator = client(SystemIdentities.operator(fixture.ca.trustDomain()));
    workload = client(fixture.ca.trustDomain().workload("shop", "cart"));
  }

  private static ControllerAdminClient client(SpiffeId id) {
    MeshTls tls =
        MeshTls.builder(
                SvidIssuer.issueLocally(fixture.ca, id, KeyAlgorithm.EC_P256, Duration.ofHours(1)),
                BundleSet.of(
                    TrustBundle.of(fixture.ca.trustDomain(), List.of(fixture.ca.root()), 1, null)))
            .build();
    return new ControllerAdminClient(
        vertx, tls, fixture.ca.trustDomain(), "127.0.0.1", fixture.first().mtlsPort());
  }

  @AfterAll
  static void stop() {
    operator.close();
    workload.close();
    vertx.close();
    fixture.close();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static AdminException refused(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(AdminException.class);
      return (AdminException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected the call to be refused");
  }

  private static JsonObject cartService() {
    return new JsonObject()
        .put("ports", new JsonArray().add(new JsonObject().put("name", "http").put("port", 9080)))
        .put("identities", new JsonArray().add("spiffe://admin-it.fedmesh.local/ns/shop/sa/cart"))
        .put("exported", true);
  }

  private static JsonObject endpoint(String zone, boolean healthy) {
    return new JsonObject()
        .put("host", "127.0.0.1")
        .put("port", 15006)
        .put("region", "admin-it")
        .put("zone", zone)
        .put("healthy", healthy);
  }

  @Test
  void theOperatorRegistersAServiceAndEndpointsAndSeesCountsPerLocality() throws Exception {
    await(operator.putService("shop", "cart", cartService()));
    await(operator.putEndpoint("shop", "cart", "cart-1", endpoint("zone-a", true)));
    await(operator.putEndpoint("shop", "cart", "cart-2", endpoint("zone-a", false)));
    await(operator.putEndpoint("shop", "cart", "cart-3", endpoint("zone-b", true)));

    JsonArray services = await(operator.services());
    JsonObject cart =
        services.stream()
            .map(JsonObject.class::cast)
            .filter(s -> s.getString("name").equals("cart"))
            .findFirst()
            .orElseThrow();
    assertThat(cart.getBoolean("exported")).isTrue();
    assertThat(cart.getJsonArray("localities").encode())
        .isEqualTo(
            "[{\"region\":\"admin-it\",\"zone\":\"zone-a\",\"healthy\":1,\"total\":2},"
                + "{\"region\":\"admin-it\",\"zone\":\"zone-b\",\"healthy\":1,\"total\":1}]");

    await(operator.deleteEndpoint("shop", "cart", "cart-3"));
    assertThat(fixture.first().catalog().endpoints("shop", "cart")).hasSize(2);
    await(operator.deleteService("shop", "cart"));
    assertThat(fixture.first().catalog().service("shop", "cart")).isEmpty();
    assertThat(fixture.first().catalog().endpoints("shop", "cart")).isEmpty();
  }

  @Test
  void statusListsTheClusterReplicasAndTheControllersOwnServices() throws Exception {
    JsonObject status = await(operator.status());
    assertThat(status.getString("cluster")).isEqualTo("admin-it");
    JsonArray replicas = status.getJsonArray("replicas");
    assertThat(replicas).hasSize(1);
    assertThat(replicas.getJsonObject(0).getBoolean("leader")).isTrue();
    assertThat(replicas.getJsonObject(0).getInteger("mtlsPort"))
        .isEqualTo(fixture.first().mtlsPort());
    assertThat(status.getJsonArray("services").encode()).contains("fedmesh-controller");
    assertThat(status.getJsonArray("proxies")).isNotNull();
  }

  @Test
  void theOperatorGetsAJoinTokenForAnIdOfThisTrustDomain() throws Exception {
    String token =
        await(
            operator.createJoinToken("spiffe://admin-it.fedmesh.local/ns/shop/sa/cart", 2, "10m"));
    assertThat(token).startsWith("fmjt_");
  }

  @Test
  void aWorkloadSvidIsRefusedWith403() {
    AdminException e = refused(workload.status());
    assertThat(e.status()).isEqualTo(403);
    assertThat(e.getMessage()).contains("sa/operator only").contains("ns/shop/sa/cart");
  }

  @Test
  void anUnknownFieldIsRefused() {
    AdminException e =
        refused(operator.putService("shop", "cart", cartService().put("replicas", 3)));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("replicas: unknown field");
  }

  @Test
  void aPortOutOfRangeIsRefused() {
    JsonObject body = cartService();
    body.getJsonArray("ports").getJsonObject(0).put("port", 70000);
    AdminException e = refused(operator.putService("shop", "cart", body));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("ports[0].port: 70000 (expected: an integer 1..65535)");
  }

  @Test
  void anUnknownProtocolIsRefused() {
    JsonObject body = cartService();
    body.getJsonArray("ports").getJsonObject(0).put("protocol", "udp");
    AdminException e = refused(operator.putService("shop", "cart", body));
    assertThat(e.getMessage()).contains("ports[0].protocol: 'udp' (expected: http, grpc or tcp)");
  }

  @Test
  void aNamespaceThatIsNotADnsLabelIsRefused() {
    AdminException e = refused(operator.putService("Shop_1", "cart", cartService()));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("Shop_1");
  }

  @Test
  void anIdentityThatIsNotASpiffeIdIsRefused() {
    JsonObject body = cartService().put("identities", new JsonArray().add("cart"));
    AdminException e = refused(operator.putService("shop", "cart", body));
    assertThat(e.getMessage()).startsWith("400: identities[0]:");
  }

  @Test
  void anEndpointOfAnUnknownServiceIsRefusedWith404() {
    AdminException e =
        refused(operator.putEndpoint("shop", "nowhere", "n-1", endpoint("zone-a", true)));
    assertThat(e.status()).isEqualTo(404);
    assertThat(e.getMessage()).contains("service shop/nowhere is not in the catalog");
  }

  @Test
  void anEndpointWithoutAHostIsRefused() {
    AdminException e =
        refused(
            operator.putEndpoint(
                "shop", "cart", "c-1", endpoint("zone-a", true).put("host", null)));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("host: missing");
  }

  @Test
  void anEndpointWeightOfZeroIsRefused() {
    AdminException e =
        refused(
            operator.putEndpoint("shop", "cart", "c-1", endpoint("zone-a", true).put("weight", 0)));
    assertThat(e.getMessage()).contains("weight: 0 (expected: an integer 1..10000)");
  }

  @Test
  void aJoinTokenForAnotherTrustDomainIsRefused() {
    AdminException e =
        refused(operator.createJoinToken("spiffe://elsewhere.local/ns/shop/sa/cart", 1, "1h"));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("expected: an ID in this cluster's trust domain");
  }

  @Test
  void aJoinTokenTtlWithoutUnitIsRefused() {
    AdminException e =
        refused(
            operator.createJoinToken("spiffe://admin-it.fedmesh.local/ns/shop/sa/cart", 1, "60"));
    assertThat(e.getMessage()).contains("ttl: 60 (expected: a duration such as 90s");
  }

  @Test
  void aJoinTokenWithTooManyUsesIsRefused() {
    AdminException e =
        refused(
            operator.createJoinToken(
                "spiffe://admin-it.fedmesh.local/ns/shop/sa/cart", 5000, "1h"));
    assertThat(e.getMessage()).contains("uses: 5000 (expected: an integer 1..1000)");
  }

  @Test
  void aBodyThatIsNotJsonIsRefused() {
    AdminException e = refused(operator.call(HttpMethod.PUT, "/v1/services/shop/cart", null));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("body: empty");
  }
}
