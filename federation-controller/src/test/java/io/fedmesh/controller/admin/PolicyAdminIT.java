package io.fedmesh.controller.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.catalog.PolicyEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.SvidIssuer;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/policies} on a real replica, over mTLS as the operator: all or nothing. */
class PolicyAdminIT {
  private static final String REVIEWS =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: FailoverPolicy
      metadata: {name: reviews, namespace: default}
      spec:
        service: reviews
        timeout: 3s
        retries: {attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, reset]}
      """;

  private static final String RATINGS =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: FailoverPolicy
      metadata: {name: ratings, namespace: shop}
      spec:
        service: ratings
        timeout: 1s
      """;

  private static ControllerFixture fixture;
  private static Vertx vertx;
  private static ControllerAdminClient admin;

  @BeforeAll
  static void start() throws Exception {
    fixture = ControllerFixture.start("policy-it", 1, b -> {});
    vertx = Vertx.vertx();
    MeshTls operator =
        MeshTls.builder(
                SvidIssuer.issueLocally(
                    fixture.ca,
                    SystemIdentities.operator(fixture.ca.trustDomain()),
                    KeyAlgorithm.EC_P256,
                    Duration.ofHours(1)),
                BundleSet.of(
                    TrustBundle.of(fixture.ca.trustDomain(), List.of(fixture.ca.root()), 1, null)))
            .build();
    admin =
        new ControllerAdminClient(
            vertx, operator, fixture.ca.trustDomain(), "127.0.0.1", fixture.first().mtlsPort());
  }

  @AfterAll
  static void stop() {
    admin.close();
    vertx.close();
    fixture.close();
  }

  @BeforeEach
  void clear() {
    for (PolicyEntry p : fixture.first().catalog().policies()) {
      fixture.first().catalog().removePolicy(p.namespace(), p.service());
    }
  }

  private static JsonObject apply(String yaml) throws Exception {
    return await(
            admin.call(
                HttpMethod.POST,
                "/v1/policies",
                new JsonObject().put("source", "p.yaml").put("yaml", yaml)))
        .toJsonObject();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void everyDocumentIsStoredAsAProxyConfigPolicyEntry() throws Exception {
    JsonObject out = apply(REVIEWS + "---\n" + RATINGS);

    assertThat(out.getJsonArray("applied"))
        .containsExactly(
            new JsonObject()
                .put("namespace", "default")
                .put("service", "reviews")
                .put("name", "reviews"),
            new JsonObject()
                .put("namespace", "shop")
                .put("service", "ratings")
                .put("name", "ratings"));
    PolicyEntry reviews = fixture.first().catalog().policy("default", "reviews").orElseThrow();
    JsonObject body = new JsonObject(reviews.body());
    assertThat(body.getString("service")).isEqualTo("reviews");
    assertThat(body.getString("namespace")).isEqualTo("default");
    assertThat(body.getString("timeout")).isEqualTo("3s");
    assertThat(body.getJsonObject("retries").getInteger("attempts")).isEqualTo(3);
    assertThat(reviews.source()).isEqualTo("FailoverPolicy default/reviews (p.yaml)");
    JsonArray listed = await(admin.call(HttpMethod.GET, "/v1/policies", null)).toJsonArray();
    assertThat(listed).hasSize(2);
  }

  @Test
  void oneBadDocumentAppliesNothingAndNamesFileLineAndField() {
    String bad = RATINGS.replace("timeout: 1s", "timeout: soon");

    assertThatThrownBy(() -> apply(REVIEWS + "---\n" + bad))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ControllerAdminClient.AdminException.class)
        .hasMessageStartingWith("400: p.yaml:14:")
        .hasMessageContaining("spec.timeout: 'soon'");
    assertThat(fixture.first().catalog().policies()).isEmpty();
  }

  @Test
  void anUnknownBodyFieldIsRefused() {
    assertThatThrownBy(
            () ->
                await(
                    admin.call(
                        HttpMethod.POST,
                        "/v1/policies",
                        new JsonObject().put("yaml", REVIEWS).put("cluster", "us-east"))))
        .cause()
        .hasMessage("400: cluster: unknown field (expected one of: source, yaml)");
  }

  @Test
  void aMissingYamlIsRefused() {
    assertThatThrownBy(
            () ->
                await(
                    admin.call(
                        HttpMethod.POST, "/v1/policies", new JsonObject().put("source", "x"))))
        .cause()
        .hasMessage("400: yaml: missing or empty (expected: FailoverPolicy documents)");
  }
}
