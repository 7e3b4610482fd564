package io.fedmesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.LocalityLabel;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.trust.TrustException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** Valid policy files, their mapping to the model, and all-or-nothing loading. */
class FailoverPoliciesTest {
  /** us-east (zones a, b), us-west (zone a), eu-west (zone a). */
  static final KnownLocalities MESH =
      KnownLocalities.builder()
          .cluster("us-east", "us-east", List.of("a", "b"))
          .cluster("us-west", "us-west", List.of("a"))
          .cluster("eu-west", "eu-west", List.of("a"))
          .build();

  /** The issue's example: lines 1-12. */
  static final String REVIEWS =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: FailoverPolicy
      metadata: {name: reviews, namespace: default}
      spec:
        service: reviews
        locality:
          failoverPriority: [region, zone, cluster]
          failover: [{from: us-east, to: [us-west, eu-west]}]
        outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 15s, maxEjectionPercent: 100}
        retries: {attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, reset, connect-failure]}
        timeout: 3s
        circuitBreaker: {maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024}
      """;

  /** A second document: lines 13-18 after {@link #REVIEWS}. */
  static final String RATINGS =
      """
      ---
      apiVersion: fedmesh.io/v1alpha1
      kind: FailoverPolicy
      metadata: {name: ratings}
      spec:
        service: ratings
      """;

  static final TrafficPolicy REVIEWS_POLICY =
      new TrafficPolicy(
          Duration.ofSeconds(3),
          new RetryPolicy(
              3,
              Duration.ofMillis(500),
              Set.of(RetryOn.SERVER_ERROR, RetryOn.RESET, RetryOn.CONNECT_FAILURE),
              Set.of(),
              RetryPolicy.DEFAULT.budgetPercent(),
              RetryPolicy.DEFAULT.minRetriesPerSecond()),
          new OutlierDetection(
              3,
              OutlierDetection.DEFAULT.consecutiveGatewayErrors(),
              Duration.ofSeconds(1),
              Duration.ofSeconds(15),
              100),
          new CircuitBreaker(1024, 1024, 1024),
          HealthCheck.DEFAULT,
          new LocalityFailover(
              List.of(LocalityLabel.REGION, LocalityLabel.ZONE, LocalityLabel.CLUSTER),
              Map.of("us-east", List.of("us-west", "eu-west")),
              LocalityFailover.DEFAULT_OVERPROVISIONING_FACTOR));

  static List<FailoverPolicy> parse(String yaml) {
    return FailoverPolicies.parse(yaml, "p.yaml", MESH);
  }

  @Test
  void theIssuesExampleMapsToTheModel() {
    List<FailoverPolicy> policies = parse(REVIEWS);

    assertThat(policies)
        .containsExactly(
            new FailoverPolicy("reviews", new ServiceName("reviews", "default"), REVIEWS_POLICY));
  }

  @Test
  void aMultiDocumentFileGivesEveryPolicyInOrder() {
    List<FailoverPolicy> policies = parse(REVIEWS + RATINGS);

    assertThat(policies).extracting(FailoverPolicy::name).containsExactly("reviews", "ratings");
    FailoverPolicy ratings = policies.get(1);
    assertThat(ratings.service()).isEqualTo(new ServiceName("ratings", "default"));
    assertThat(ratings.namespace()).isEqualTo("default");
    assertThat(ratings.policy()).isEqualTo(TrafficPolicy.DEFAULT);
  }

  @Test
  void emptyDocumentsAndALeadingSeparatorAreSkipped() {
    List<FailoverPolicy> policies = parse("---\n" + REVIEWS + "---\n" + RATINGS + "---\n");

    assertThat(policies).hasSize(2);
  }

  @Test
  void theSameServiceInTwoNamespacesIsTwoPolicies() {
    String shop = RATINGS.replace("{name: ratings}", "{name: ratings, namespace: shop}");

    List<FailoverPolicy> policies = parse(REVIEWS + RATINGS + shop);

    assertThat(policies)
        .extracting(FailoverPolicy::service)
        .containsExactly(
            new ServiceName("reviews", "default"),
            new ServiceName("ratings", "default"),
            new ServiceName("ratings", "shop"));
  }

  @Test
  void istioLabelNamesMeanTheSameAsTheShortOnes() {
    String istio =
        REVIEWS.replace(
            "[region, zone, cluster]",
            "[topology.kubernetes.io/region, topology.kubernetes.io/zone,"
                + " topology.istio.io/cluster]");

    assertThat(parse(istio)).isEqualTo(parse(REVIEWS));
  }

  @Test
  void withoutATopologyAnyRegionNameIsAccepted() {
    String elsewhere = REVIEWS.replace("eu-west]", "ap-south]");

    List<FailoverPolicy> policies =
        FailoverPolicies.parse(elsewhere, "p.yaml", KnownLocalities.UNCHECKED);

    assertThat(policies.get(0).policy().locality().failover())
        .containsEntry("us-east", List.of("us-west", "ap-south"));
  }

  @Test
  void theNormalizedDocumentReadsBackAsTheSamePolicies() {
    List<FailoverPolicy> policies = parse(REVIEWS + RATINGS);
    StringBuilder again = new StringBuilder();
    for (FailoverPolicy p : policies) {
      again.append("---\n").append(new Yaml().dump(p.toDocument()));
    }

    assertThat(parse(again.toString())).isEqualTo(policies);
  }

  @Test
  void theNormalizedDocumentHasEveryFieldExplicit() {
    Map<String, Object> doc = parse(REVIEWS).get(0).toDocument();

    assertThat(doc).containsKeys("apiVersion", "kind", "metadata", "spec");
    assertThat(doc.get("metadata")).isEqualTo(Map.of("name", "reviews", "namespace", "default"));
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
    assertThat(spec.keySet())
        .containsExactly(
            "service",
            "timeout",
            "retries",
            "outlierDetection",
            "circuitBreaker",
            "healthCheck",
            "locality");
    assertThat(spec.get("timeout")).isEqualTo("3s");
    assertThat(spec.get("locality"))
        .isEqualTo(
            Map.of(
                "failoverPriority",
                List.of("region", "zone", "cluster"),
                "failover",
                List.of(Map.of("from", "us-east", "to", List.of("us-west", "eu-west"))),
                "overprovisioningFactor",
                1.4));
    assertThat(((Map<?, ?>) spec.get("retries")).get("retryOn"))
        .isEqualTo(List.of("5xx", "reset", "connect-failure"));
  }

  @Test
  void oneBadDocumentMeansNoPolicyAtAll() {
    String bad = RATINGS.replace("service: ratings", "service: ratings\n  timeout: 3");

    assertThatThrownBy(() -> parse(REVIEWS + bad + "---\n" + REVIEWS.replace("reviews", "details")))
        .isInstanceOf(ConfigErrors.class)
        .isInstanceOf(TrustException.class)
        .hasMessage(
            "p.yaml:19:12: spec.timeout: '3' has no unit (expected: a duration such as 500ms,"
                + " 1.5s, 2m or 1h)");
  }

  @Test
  void everyErrorOfEveryDocumentIsReportedInOrder() {
    String first =
        REVIEWS.replace("timeout: 3s", "timeout: 3").replace("attempts: 3", "attempts: x");
    String second = RATINGS.replace("service: ratings", "service: ratings\n  retires: {}");

    ConfigErrors e = catchErrors(first + second);

    assertThat(e.errors())
        .extracting(ConfigException::line, ConfigException::path)
        .containsExactly(
            tuple(10, "spec.retries.attempts"),
            tuple(11, "spec.timeout"),
            tuple(19, "spec.retires"));
    assertThat(e.getMessage().split("\n")).hasSize(3);
    assertThat(e.getMessage().split("\n")[2])
        .isEqualTo(
            "p.yaml:19:3: spec.retires: unknown field (did you mean 'retries'? expected in spec:"
                + " one of service, timeout, retries, outlierDetection, circuitBreaker,"
                + " healthCheck, locality)");
  }

  @Test
  void loadsAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("reviews.yaml");
    Files.writeString(file, REVIEWS + RATINGS);

    assertThat(FailoverPolicies.load(file, MESH)).hasSize(2);
  }

  @Test
  void aMissingFileIsOneError(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");

    ConfigErrors e = catchErrors(() -> FailoverPolicies.load(file, MESH));

    assertThat(e.errors()).hasSize(1);
    assertThat(e.getMessage()).startsWith(file + ": cannot read: NoSuchFileException");
  }

  static ConfigErrors catchErrors(String yaml) {
    return catchErrors(() -> parse(yaml));
  }

  static ConfigErrors catchErrors(Runnable load) {
    try {
      load.run();
    } catch (ConfigErrors e) {
      return e;
    }
    throw new AssertionError("loaded, expected errors");
  }
}
