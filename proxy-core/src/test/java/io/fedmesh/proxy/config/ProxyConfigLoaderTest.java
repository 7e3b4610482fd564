package io.fedmesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationPolicy.Action;
import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.LocalityLabel;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigLoaderTest {
  private static final ServiceName REVIEWS = new ServiceName("reviews", "default");
  private static final ServiceName RATINGS = new ServiceName("ratings", "shop");

  /** Lines 1-4; a document's body starts on line 5. */
  private static final String HEADER =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: ProxyConfig
      cluster: us-east
      locality: {region: us-east, zone: us-east-1a}
      """;

  /** Lines 5-10 after the header: one service with one local endpoint. */
  private static final String SERVICE =
      """
      services:
        - name: reviews
          ports: [{name: http, port: 9080, protocol: http}]
          identities: [spiffe://us-east.fedmesh.local/ns/default/sa/reviews]
          endpoints:
            - {id: r1, host: 127.0.0.1, port: 15006, zone: us-east-1a}
      """;

  static Path example() throws URISyntaxException {
    return Path.of(
        ProxyConfigLoaderTest.class.getResource("/examples/us-east-frontend.yaml").toURI());
  }

  static ConfigException fails(String yaml) {
    try {
      ProxySnapshot s = ProxyConfigLoader.parse(yaml, "t.yaml");
      throw new AssertionError("loaded, expected an error: " + s);
    } catch (ConfigException e) {
      return e;
    }
  }

  /** Asserts the location and that the message is {@code t.yaml:line:col: path: ...fragment...}. */
  static void assertError(ConfigException e, int line, int column, String path, String fragment) {
    assertThat(e.getMessage())
        .startsWith("t.yaml:" + line + ":" + column + ": " + (path.isEmpty() ? "" : path + ": "))
        .contains(fragment);
    assertThat(e.source()).isEqualTo("t.yaml");
    assertThat(e.line()).isEqualTo(line);
    assertThat(e.column()).isEqualTo(column);
    assertThat(e.path()).isEqualTo(path);
    assertThat(e).isInstanceOf(TrustException.class);
  }

  @Nested
  class TheExample {
    @Test
    void loadsIntoTheExpectedSnapshot() throws Exception {
      ProxySnapshot s = ProxyConfigLoader.load(example());

      assertThat(s.version()).isEqualTo(7);
      assertThat(s.cluster()).isEqualTo("us-east");
      assertThat(s.locality()).isEqualTo(new Locality("us-east", "us-east-1a", "us-east"));
      assertThat(s.services()).containsOnlyKeys(REVIEWS, RATINGS);

      Service reviews = s.service(REVIEWS).orElseThrow();
      assertThat(reviews.ports()).containsExactly(new ServicePort("http", 9080, Protocol.HTTP));
      assertThat(reviews.identities())
          .containsExactly(
              SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews"),
              SpiffeId.parse("spiffe://us-west.fedmesh.local/ns/default/sa/reviews"));
      assertThat(reviews.exported()).isTrue();
      assertThat(reviews.endpoints())
          .containsExactly(
              Endpoint.local(
                  "reviews-1",
                  "127.0.0.1",
                  15006,
                  new Locality("us-east", "us-east-1a", "us-east")),
              new Endpoint(
                  "reviews-2",
                  "127.0.0.3",
                  15006,
                  new Locality("us-east", "us-east-1b", "us-east"),
                  1,
                  false,
                  Optional.empty()),
              new Endpoint(
                  "us-west/us-west-1a",
                  "127.0.0.2",
                  15443,
                  new Locality("us-west", "us-west-1a", "us-west"),
                  3,
                  true,
                  Optional.of("reviews.default.9080.us-west.fedmesh")));
      assertThat(reviews.endpoints().get(2).isRemote()).isTrue();

      Service ratings = s.service(RATINGS).orElseThrow();
      assertThat(ratings.exported()).isFalse();
      assertThat(ratings.ports())
          .extracting(ServicePort::protocol)
          .containsExactly(Protocol.GRPC, Protocol.TCP);
    }

    @Test
    void writtenPolicyIsExact() throws Exception {
      TrafficPolicy p = ProxyConfigLoader.load(example()).policy(REVIEWS);

      assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(3));
      assertThat(p.retries())
          .isEqualTo(
              new RetryPolicy(
                  3,
                  Duration.ofMillis(500),
                  Set.of(
                      RetryOn.SERVER_ERROR, RetryOn.RESET, RetryOn.CONNECT_FAILURE, RetryOn.STATUS),
                  Set.of(409),
                  20,
                  RetryPolicy.DEFAULT.minRetriesPerSecond()));
      assertThat(p.outlierDetection())
          .isEqualTo(
              new OutlierDetection(
                  3,
                  OutlierDetection.DEFAULT.consecutiveGatewayErrors(),
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(15),
                  100));
      assertThat(p.circuitBreaker()).isEqualTo(new CircuitBreaker(1024, 1024, 1024));
      assertThat(p.healthCheck())
          .isEqualTo(
              new HealthCheck(Duration.ofSeconds(1), Duration.ofMillis(500), 2, 1, "/healthz"));
      assertThat(p.locality().failover())
          .isEqualTo(Map.of("us-east", List.of("us-west", "eu-west")));
      assertThat(p.locality().overprovisioningFactor()).isEqualTo(1.4);
    }

    @Test
    void unwrittenPolicyFieldsTakeTheDefaultsFieldByField() throws Exception {
      TrafficPolicy p = ProxyConfigLoader.load(example()).policy(RATINGS);

      assertThat(p.timeout()).isEqualTo(Duration.ofMillis(1500));
      RetryPolicy d = RetryPolicy.DEFAULT;
      assertThat(p.retries())
          .isEqualTo(
              new RetryPolicy(
                  1,
                  d.perTryTimeout(),
                  d.retryOn(),
                  d.retriableStatusCodes(),
                  d.budgetPercent(),
                  d.minRetriesPerSecond()));
      assertThat(p.outlierDetection()).isEqualTo(OutlierDetection.DEFAULT);
      assertThat(p.circuitBreaker()).isEqualTo(CircuitBreaker.DEFAULT);
      assertThat(p.healthCheck()).isEqualTo(HealthCheck.DEFAULT);
    }

    @Test
    void authorizationRulesInOrder() throws Exception {
      AuthorizationPolicy a = ProxyConfigLoader.load(example()).inbound();

      assertThat(a.defaultAction()).isEqualTo(Action.ALLOW);
      assertThat(a.rules()).hasSize(2);
      assertThat(a.rules().get(0).name()).isEqualTo("deny-legacy");
      assertThat(a.rules().get(0).action()).isEqualTo(Action.DENY);
      assertThat(a.rules().get(0).principals())
          .containsExactly("spiffe://us-east.fedmesh.local/ns/legacy/*");
      assertThat(a.rules().get(1).namespaces()).containsExactly("shop");
      assertThat(a.rules().get(1).methods()).containsExactly("GET");
      assertThat(a.rules().get(1).pathPrefixes()).containsExactly("/api/");
    }

    @Test
    void loadAndParseAgree() throws Exception {
      String text = Files.readString(example());
      assertThat(ProxyConfigLoader.parse(text, "x")).isEqualTo(ProxyConfigLoader.load(example()));
    }
  }

  @Nested
  class Defaults {
    @Test
    void minimalDocument() {
      ProxySnapshot s = ProxyConfigLoader.parse(HEADER, "t.yaml");

      assertThat(s.version()).isEqualTo(ProxyConfigLoader.DEFAULT_VERSION);
      assertThat(s.services()).isEmpty();
      assertThat(s.policies()).isEmpty();
      assertThat(s.inbound()).isEqualTo(AuthorizationPolicy.ALLOW_MESH);
    }

    @Test
    void serviceWithoutPolicyGetsEveryDefault() {
      ProxySnapshot s = ProxyConfigLoader.parse(HEADER + SERVICE, "t.yaml");

      Service reviews = s.service(REVIEWS).orElseThrow();
      assertThat(reviews.name().namespace()).isEqualTo("default");
      assertThat(reviews.exported()).isFalse();
      assertThat(reviews.endpoints().get(0).weight()).isEqualTo(1);
      assertThat(reviews.endpoints().get(0).healthy()).isTrue();
      assertThat(reviews.endpoints().get(0).tcpPort()).isZero();
      assertThat(reviews.endpoints().get(0).takesTcp()).isFalse();
      assertThat(s.policy(REVIEWS)).isEqualTo(TrafficPolicy.DEFAULT);
    }

    @Test
    void tcpPortAndTcpServicePort() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(
              HEADER
                  + SERVICE
                      .replace(
                          "protocol: http}]",
                          "protocol: http}, {name: db, port: 5432, protocol: tcp}]")
                      .replace("port: 15006,", "port: 15006, tcpPort: 15008,"),
              "t.yaml");

      Service reviews = s.service(REVIEWS).orElseThrow();
      assertThat(reviews.port(5432)).contains(new ServicePort("db", 5432, Protocol.TCP));
      assertThat(reviews.endpoints().get(0).tcpPort()).isEqualTo(15008);
      assertThat(reviews.endpoints().get(0).takesTcp()).isTrue();
    }

    @Test
    void emptyPolicyIsTheDefaultPolicy() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(HEADER + SERVICE + "policies: [{service: reviews}]\n", "t.yaml");
      assertThat(s.policies()).containsEntry(REVIEWS, TrafficPolicy.DEFAULT);
    }

    @Test
    void retriableStatusCodesTurnOnTheirCondition() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(
              HEADER
                  + SERVICE
                  + "policies: [{service: reviews, retries: {retriableStatusCodes: [503]}}]\n",
              "t.yaml");
      assertThat(s.policy(REVIEWS).retries().retryOn())
          .containsExactlyInAnyOrder(
              RetryOn.SERVER_ERROR, RetryOn.RESET, RetryOn.CONNECT_FAILURE, RetryOn.STATUS);
    }

    @Test
    void numbersAreReadExactly() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(
              HEADER
                  + SERVICE
                  + """
                  policies:
                    - service: reviews
                      timeout: 1h
                      retries: {perTryTimeout: 2m, budgetPercent: 0, minRetriesPerSecond: 10000}
                      healthCheck: {interval: 1.5s, timeout: 0.25s}
                      locality: {overprovisioningFactor: 10}
                  """,
              "t.yaml");
      TrafficPolicy p = s.policy(REVIEWS);
      assertThat(p.timeout()).isEqualTo(Duration.ofHours(1));
      assertThat(p.retries().perTryTimeout()).isEqualTo(Duration.ofMinutes(2));
      assertThat(p.retries().budgetPercent()).isZero();
      assertThat(p.retries().minRetriesPerSecond()).isEqualTo(10_000);
      assertThat(p.healthCheck().interval()).isEqualTo(Duration.ofMillis(1500));
      assertThat(p.healthCheck().timeout()).isEqualTo(Duration.ofMillis(250));
      assertThat(p.locality().overprovisioningFactor()).isEqualTo(10.0);
    }

    @Test
    void aPolicyTakesFailoverPriorityAsAFailoverPolicyDoes() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(
              HEADER
                  + SERVICE
                  + """
                  policies:
                    - service: reviews
                      locality: {failoverPriority: [region, zone, cluster]}
                  """,
              "t.yaml");
      assertThat(s.policy(REVIEWS).locality().failoverPriority())
          .containsExactly(LocalityLabel.REGION, LocalityLabel.ZONE, LocalityLabel.CLUSTER);
    }

    @Test
    void anchorsAndAliasesWithinTheLimit() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(
              HEADER
                  + SERVICE
                  + """
                    - name: ratings
                      ports: [{name: http, port: 9080, protocol: http}]
                      identities: [spiffe://us-east.fedmesh.local/ns/default/sa/ratings]
                  policies:
                    - {service: reviews, retries: &standard {attempts: 4, perTryTimeout: 250ms}}
                    - {service: ratings, retries: *standard}
                  """,
              "t.yaml");
      assertThat(s.policy(new ServiceName("ratings", "default")).retries())
          .isEqualTo(s.policy(REVIEWS).retries());
      assertThat(s.policy(REVIEWS).retries().attempts()).isEqualTo(4);
    }

    @Test
    void regionNamedNoIsAString() {
      ProxySnapshot s =
          ProxyConfigLoader.parse(
              HEADER
                  .replace("region: us-east", "region: no")
                  .replace("cluster: us-east", "cluster: on"),
              "t.yaml");
      assertThat(s.locality().region()).isEqualTo("no");
      assertThat(s.cluster()).isEqualTo("on");
    }

    @Test
    void byteOrderMarkIsSkipped(@TempDir Path dir) throws IOException {
      Path f = dir.resolve("bom.yaml");
      Files.write(f, ("\uFEFF" + HEADER).getBytes(StandardCharsets.UTF_8));
      assertThat(ProxyConfigLoader.load(f).cluster()).isEqualTo("us-east");
    }
  }
}
