package io.fedmesh.proxy.config;

import static io.fedmesh.proxy.config.FailoverPoliciesTest.MESH;
import static io.fedmesh.proxy.config.FailoverPoliciesTest.RATINGS;
import static io.fedmesh.proxy.config.FailoverPoliciesTest.REVIEWS;
import static io.fedmesh.proxy.config.FailoverPoliciesTest.catchErrors;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Each class of bad policy input, with the exact position, field and what is allowed. Documents are
 * {@link FailoverPoliciesTest#REVIEWS} (lines 1-12) edited in one place, unless said otherwise.
 */
class FailoverPolicyErrorsTest {
  /** The only error of {@code yaml}. */
  static ConfigException error(String yaml) {
    ConfigErrors e = catchErrors(yaml);
    assertThat(e.errors()).as("errors of:%n%s", yaml).hasSize(1);
    return e.errors().get(0);
  }

  /** The only error of {@link #REVIEWS} with {@code from} replaced by {@code to} (once). */
  static ConfigException error(String from, String to) {
    assertThat(REVIEWS).contains(from);
    return error(REVIEWS.replace(from, to));
  }

  static void assertError(ConfigException e, int line, int column, String path, String detail) {
    assertThat(e.getMessage())
        .isEqualTo(
            "p.yaml:" + line + ":" + column + ": " + (path.isEmpty() ? "" : path + ": ") + detail);
    assertThat(e.source()).isEqualTo("p.yaml");
    assertThat(e.line()).isEqualTo(line);
    assertThat(e.column()).isEqualTo(column);
    assertThat(e.path()).isEqualTo(path);
  }

  /** 1-based column of {@code token} on 1-based {@code line} of {@code doc}. */
  static int col(String doc, int line, String token) {
    return ProxyConfigErrorsTest.col(doc, line, token);
  }

  @Nested
  class UnknownFields {
    @Test
    void inSpecSuggestsTheCloseName() {
      String doc = REVIEWS.replace("  outlierDetection:", "  outlierDetecton:");
      assertError(
          error(doc),
          9,
          3,
          "spec.outlierDetecton",
          "unknown field (did you mean 'outlierDetection'? expected in spec: one of service,"
              + " timeout, retries, outlierDetection, circuitBreaker, healthCheck, locality)");
    }

    @Test
    void inAPartListsItsFields() {
      String doc = REVIEWS.replace("maxRequests: 1024", "maxRequets: 3");
      assertError(
          error(doc),
          12,
          col(doc, 12, "maxRequets"),
          "spec.circuitBreaker.maxRequets",
          "unknown field (did you mean 'maxRequests'? expected in spec.circuitBreaker: one of"
              + " maxConnections, maxPendingRequests, maxRequests)");
    }

    @Test
    void atTheTopLevel() {
      String doc = REVIEWS + "status: {}\n";
      assertError(
          error(doc),
          13,
          1,
          "status",
          "unknown field (expected at the top level: one of apiVersion, kind, metadata, spec)");
    }

    @Test
    void inMetadata() {
      String doc = REVIEWS.replace("namespace: default}", "namespace: default, labels: {}}");
      assertError(
          error(doc),
          3,
          col(doc, 3, "labels"),
          "metadata.labels",
          "unknown field (expected in metadata: one of name, namespace)");
    }

    @Test
    void inAFailoverRule() {
      String doc = REVIEWS.replace("to: [us-west", "too: [us-west");
      ConfigErrors e = catchErrors(doc);
      assertThat(e.errors()).hasSize(2);
      assertError(
          e.errors().get(0),
          8,
          col(doc, 8, "{from"),
          "spec.locality.failover[0].to",
          "missing (a required field)");
      assertError(
          e.errors().get(1),
          8,
          col(doc, 8, "too"),
          "spec.locality.failover[0].too",
          "unknown field (did you mean 'to'? expected in spec.locality.failover[0]: one of from,"
              + " to)");
    }
  }

  @Nested
  class WrongTypes {
    @Test
    void integerExpected() {
      String doc = REVIEWS.replace("attempts: 3", "attempts: three");
      assertError(
          error(doc),
          10,
          col(doc, 10, "three"),
          "spec.retries.attempts",
          "'three' (expected: an integer)");
    }

    @Test
    void quotedIntegerIsAString() {
      String doc = REVIEWS.replace("maxEjectionPercent: 100", "maxEjectionPercent: \"100\"");
      assertError(
          error(doc),
          9,
          col(doc, 9, "\"100\""),
          "spec.outlierDetection.maxEjectionPercent",
          "'100' is a quoted string (expected: an integer; remove the quotes)");
    }

    @Test
    void listExpected() {
      String doc = REVIEWS.replace("to: [us-west, eu-west]", "to: us-west");
      assertError(
          error(doc),
          8,
          col(doc, 8, "us-west"),
          "spec.locality.failover[0].to",
          "'us-west' (expected: a list)");
    }

    @Test
    void mappingExpected() {
      String doc =
          REVIEWS.replace("metadata: {name: reviews, namespace: default}", "metadata: reviews");
      assertError(error(doc), 3, 11, "metadata", "'reviews' (expected: a mapping of fields)");
    }

    @Test
    void aDocumentThatIsNotAMapping() {
      assertError(
          error("- apiVersion: fedmesh.io/v1alpha1\n"),
          1,
          1,
          "",
          "a list (expected: a mapping of fields)");
    }
  }

  @Nested
  class Durations {
    @Test
    void noUnit() {
      String doc = REVIEWS.replace("timeout: 3s", "timeout: 3");
      assertError(
          error(doc),
          11,
          12,
          "spec.timeout",
          "'3' has no unit (expected: a duration such as 500ms, 1.5s, 2m or 1h)");
    }

    @Test
    void notADuration() {
      String doc = REVIEWS.replace("perTryTimeout: 500ms", "perTryTimeout: half a second");
      assertError(
          error(doc),
          10,
          col(doc, 10, "half"),
          "spec.retries.perTryTimeout",
          "'half a second' is not a duration (expected: a duration such as 500ms, 1.5s, 2m or"
              + " 1h)");
    }

    @Test
    void tooLong() {
      String doc = REVIEWS.replace("baseEjectionTime: 15s", "baseEjectionTime: 25h");
      assertError(
          error(doc),
          9,
          col(doc, 9, "25h"),
          "spec.outlierDetection.baseEjectionTime",
          "'25h' is longer than 24h (expected: a duration such as 500ms, 1.5s, 2m or 1h)");
    }
  }

  @Nested
  class Localities {
    @Test
    void unknownRegionSuggestsTheCloseOne() {
      String doc = REVIEWS.replace("eu-west]", "eu-wset]");
      assertError(
          error(doc),
          8,
          col(doc, 8, "eu-wset"),
          "spec.locality.failover[0].to[1]",
          "'eu-wset' is not a known region (expected: a region of the topology: one of eu-west,"
              + " us-east, us-west; did you mean 'eu-west'?)");
    }

    @Test
    void unknownFromRegion() {
      String doc = REVIEWS.replace("from: us-east", "from: ap-south");
      assertError(
          error(doc),
          8,
          col(doc, 8, "ap-south"),
          "spec.locality.failover[0].from",
          "'ap-south' is not a known region (expected: a region of the topology: one of"
              + " eu-west, us-east, us-west)");
    }

    @Test
    void aClusterWhereARegionBelongs() {
      KnownLocalities twoClusters =
          KnownLocalities.builder()
              .cluster("east-1", "us-east", List.of("a"))
              .cluster("west-1", "us-west", List.of("a"))
              .build();
      String doc = REVIEWS.replace("to: [us-west, eu-west]", "to: [west-1]");
      ConfigErrors e = catchErrors(() -> FailoverPolicies.parse(doc, "p.yaml", twoClusters));
      assertError(
          e.errors().get(0),
          8,
          col(doc, 8, "west-1"),
          "spec.locality.failover[0].to[0]",
          "'west-1' is a cluster, in region us-west (expected: a region of the topology: one of"
              + " us-east, us-west; did you mean 'us-west'?)");
    }

    @Test
    void aZoneWhereARegionBelongs() {
      KnownLocalities zoned =
          KnownLocalities.builder()
              .cluster("us-east", "us-east", List.of("us-east-1a"))
              .cluster("us-west", "us-west", List.of("us-west-1a"))
              .cluster("eu-west", "eu-west", List.of())
              .build();
      String doc = REVIEWS.replace("to: [us-west, eu-west]", "to: [us-west-1a]");
      ConfigErrors e = catchErrors(() -> FailoverPolicies.parse(doc, "p.yaml", zoned));
      assertError(
          e.errors().get(0),
          8,
          col(doc, 8, "us-west-1a"),
          "spec.locality.failover[0].to[0]",
          "'us-west-1a' is a zone, in region us-west (expected: a region of the topology: one of"
              + " eu-west, us-east, us-west; did you mean 'us-west'?)");
    }

    @Test
    void aRegionThatIsNotADnsLabel() {
      String doc = REVIEWS.replace("from: us-east", "from: US_East");
      assertError(
          error(doc),
          8,
          col(doc, 8, "US_East"),
          "spec.locality.failover[0].from",
          "'US_East' (expected: a DNS label: lower-case letters, digits and '-', not at either"
              + " end)");
    }
  }

  @Nested
  class ContradictoryRules {
    @Test
    void sameFromTwice() {
      String doc =
          REVIEWS.replace(
              "failover: [{from: us-east, to: [us-west, eu-west]}]",
              "failover: [{from: us-east, to: [us-west]}, {from: us-east, to: [eu-west]}]");
      assertError(
          error(doc),
          8,
          col(doc, 8, "us-east, to: [eu-west]"),
          "spec.locality.failover[1].from",
          "region 'us-east' has a second failover entry (first at line 8; expected: one entry"
              + " per region)");
    }

    @Test
    void toContainsFrom() {
      String doc = REVIEWS.replace("to: [us-west, eu-west]", "to: [us-west, us-east]");
      assertError(
          error(doc),
          8,
          col(doc, 8, "[us-west"),
          "spec.locality.failover[0].to",
          "locality.failover: region 'us-east' fails over to itself (remove it from 'to')");
    }

    @Test
    void aRegionTwiceInTo() {
      String doc = REVIEWS.replace("to: [us-west, eu-west]", "to: [us-west, us-west]");
      assertError(
          error(doc),
          8,
          col(doc, 8, "us-west]"),
          "spec.locality.failover[0].to[1]",
          "'us-west' is listed twice (first at line 8)");
    }

    @Test
    void anEmptyTo() {
      String doc = REVIEWS.replace("to: [us-west, eu-west]", "to: []");
      assertError(
          error(doc),
          8,
          col(doc, 8, "[]"),
          "spec.locality.failover[0].to",
          "an empty list (expected: at least one region)");
    }

    @Test
    void aRepeatedFailoverPriorityLabel() {
      String doc = REVIEWS.replace("[region, zone, cluster]", "[region, zone, zone]");
      assertError(
          error(doc),
          7,
          col(doc, 7, "zone]"),
          "spec.locality.failoverPriority[2]",
          "'zone' is listed twice (first at line 7)");
    }

    @Test
    void anIstioLabelRepeatingAShortOne() {
      String doc =
          REVIEWS.replace("[region, zone, cluster]", "[region, topology.kubernetes.io/region]");
      assertError(
          error(doc),
          7,
          col(doc, 7, "topology"),
          "spec.locality.failoverPriority[1]",
          "'topology.kubernetes.io/region' is listed twice (first at line 7)");
    }

    @Test
    void anUnknownFailoverPriorityLabel() {
      String doc = REVIEWS.replace("[region, zone, cluster]", "[region, zoen]");
      assertError(
          error(doc),
          7,
          col(doc, 7, "zoen"),
          "spec.locality.failoverPriority[1]",
          "'zoen' (expected: one of cluster, region, topology.istio.io/cluster,"
              + " topology.kubernetes.io/region, topology.kubernetes.io/zone, zone; did you mean"
              + " 'zone'?)");
    }

    @Test
    void regionAfterAnotherLabel() {
      String doc = REVIEWS.replace("[region, zone, cluster]", "[zone, region]");
      assertError(
          error(doc),
          7,
          col(doc, 7, "[zone"),
          "spec.locality.failoverPriority",
          "locality.failoverPriority: 'region' comes after 'zone', which implies the region"
              + " (expected: region first, or not at all)");
    }

    @Test
    void anEmptyFailoverPriority() {
      String doc = REVIEWS.replace("[region, zone, cluster]", "[]");
      assertError(
          error(doc),
          7,
          col(doc, 7, "[]"),
          "spec.locality.failoverPriority",
          "locality.failoverPriority: an empty list (expected: at least one of region, zone,"
              + " cluster)");
    }

    @Test
    void perTryTimeoutLongerThanTheTimeout() {
      String doc = REVIEWS.replace("timeout: 3s", "timeout: 400ms");
      assertError(
          error(doc),
          11,
          12,
          "spec.timeout",
          "retries.perTryTimeout 500ms exceeds timeout 400ms (expected: perTryTimeout <="
              + " timeout)");
    }

    @Test
    void retriableStatusCodesWordWithoutCodes() {
      String doc = REVIEWS.replace("connect-failure]", "retriable-status-codes]");
      assertError(
          error(doc),
          10,
          col(doc, 10, "[5xx"),
          "spec.retries.retryOn",
          "'retriable-status-codes' without retriableStatusCodes (expected: retriableStatusCodes,"
              + " a list such as [409, 503])");
    }
  }

  @Nested
  class Ranges {
    @Test
    void retryAttempts() {
      String doc = REVIEWS.replace("attempts: 3", "attempts: 20");
      assertError(
          error(doc),
          10,
          col(doc, 10, "20"),
          "spec.retries.attempts",
          "retries.attempts: 20 (expected: 0..10)");
    }

    @Test
    void overprovisioningFactor() {
      String doc = REVIEWS.replace("failover: [", "overprovisioningFactor: 0.5\n    failover: [");
      assertError(
          error(doc),
          8,
          col(doc, 8, "0.5"),
          "spec.locality.overprovisioningFactor",
          "locality.overprovisioningFactor: 0.5 (expected: 1.0..10.0)");
    }

    @Test
    void retryOnWord() {
      String doc = REVIEWS.replace("reset,", "rest,");
      assertError(
          error(doc),
          10,
          col(doc, 10, "rest"),
          "spec.retries.retryOn[1]",
          "'rest' (expected: one of 5xx, connect-failure, reset, retriable-status-codes; did you"
              + " mean 'reset'?)");
    }
  }

  @Nested
  class Duplicates {
    @Test
    void twoPoliciesForOneService() {
      String second =
          RATINGS
              .replace("{name: ratings}", "{name: reviews-2}")
              .replace("service: ratings", "service: reviews");
      assertError(
          error(REVIEWS + second),
          18,
          col(second, 6, "reviews"),
          "spec.service",
          "a second policy for service default/reviews (first at line 5; expected: one policy"
              + " per service)");
    }

    @Test
    void twoPoliciesWithOneName() {
      String second = RATINGS.replace("{name: ratings}", "{name: reviews}");
      assertError(
          error(REVIEWS + second),
          16,
          col(second, 4, "reviews"),
          "metadata.name",
          "a second FailoverPolicy named default/reviews (first at line 3; expected: unique names"
              + " in a namespace)");
    }
  }

  @Nested
  class Metadata {
    @Test
    void nameNotADnsLabel() {
      String doc = REVIEWS.replace("name: reviews,", "name: Reviews.v2,");
      assertError(
          error(doc),
          3,
          col(doc, 3, "Reviews"),
          "metadata.name",
          "'Reviews.v2' (expected: a DNS label: lower-case letters, digits and '-', not at either"
              + " end)");
    }

    @Test
    void nameTooLong() {
      String name = "r".repeat(64);
      String doc = REVIEWS.replace("name: reviews,", "name: " + name + ",");
      assertError(
          error(doc),
          3,
          col(doc, 3, name),
          "metadata.name",
          "'" + name + "' is 64 characters (expected: at most 63)");
    }

    @Test
    void namespaceNotADnsLabel() {
      String doc = REVIEWS.replace("namespace: default", "namespace: -shop");
      assertError(
          error(doc),
          3,
          col(doc, 3, "-shop"),
          "metadata.namespace",
          "'-shop' (expected: a DNS label: lower-case letters, digits and '-', not at either"
              + " end)");
    }

    @Test
    void nameMissing() {
      String doc = REVIEWS.replace("{name: reviews, namespace: default}", "{namespace: default}");
      assertError(error(doc), 3, 11, "metadata.name", "missing (a required field)");
    }

    @Test
    void metadataMissing() {
      String doc = REVIEWS.replace("metadata: {name: reviews, namespace: default}\n", "");
      assertError(error(doc), 1, 1, "metadata", "missing (a required field)");
    }

    @Test
    void serviceMissing() {
      String doc = REVIEWS.replace("  service: reviews\n", "");
      assertError(error(doc), 5, 3, "spec.service", "missing (a required field)");
    }
  }

  @Nested
  class Document {
    @Test
    void wrongApiVersion() {
      String doc = REVIEWS.replace("fedmesh.io/v1alpha1", "networking.istio.io/v1");
      assertError(
          error(doc),
          1,
          13,
          "apiVersion",
          "'networking.istio.io/v1' (expected: fedmesh.io/v1alpha1)");
    }

    @Test
    void wrongKind() {
      String doc = REVIEWS.replace("kind: FailoverPolicy", "kind: DestinationRule");
      assertError(error(doc), 2, 7, "kind", "'DestinationRule' (expected: FailoverPolicy)");
    }

    @Test
    void kindMissing() {
      String doc = REVIEWS.replace("kind: FailoverPolicy\n", "");
      assertError(error(doc), 1, 1, "kind", "missing (expected: FailoverPolicy)");
    }

    @Test
    void emptyFile() {
      assertError(
          error("# nothing here\n"),
          1,
          1,
          "",
          "no policy in the file (expected: one or more FailoverPolicy documents, separated by"
              + " ---, each starting with apiVersion: fedmesh.io/v1alpha1)");
    }

    @Test
    void aSyntaxErrorEndsTheFileButEarlierErrorsAreKept() {
      String first = REVIEWS.replace("timeout: 3s", "timeout: 3");
      ConfigErrors e = catchErrors(first + "---\nkind: [unclosed\n");
      assertThat(e.errors()).hasSize(2);
      assertThat(e.errors().get(0).path()).isEqualTo("spec.timeout");
      assertThat(e.errors().get(1).getMessage()).startsWith("p.yaml:15:1: YAML syntax:");
    }

    @Test
    void aJavaTagIsRefused() {
      String doc = REVIEWS.replace("service: reviews", "service: !!java.io.File reviews");
      assertThat(error(doc).getMessage())
          .startsWith("p.yaml:5:12: tag 'tag:yaml.org,2002:java.io.File' is not allowed");
    }
  }

  @Test
  void errorsInSeveralPartsOfOneDocumentAreAllReportedInFileOrder() {
    String doc =
        REVIEWS
            .replace("timeout: 3s", "timeout: 3")
            .replace("eu-west]", "eu-wset]")
            .replace("maxConnections: 1024", "maxConnections: 0")
            .replace("consecutive5xxErrors: 3", "consecutive5xxErrors: many");
    ConfigErrors e = catchErrors(doc);
    assertThat(e.errors())
        .extracting(ConfigException::path)
        .containsExactly(
            "spec.locality.failover[0].to[1]",
            "spec.outlierDetection.consecutive5xxErrors",
            "spec.timeout",
            "spec.circuitBreaker.maxConnections");
  }

  @Test
  void theTopologyIsWhatMakesARegionUnknown() {
    String doc = REVIEWS.replace("eu-west]", "ap-south]");
    assertThat(FailoverPolicies.parse(doc, "p.yaml", KnownLocalities.UNCHECKED)).hasSize(1);
    assertThat(catchErrors(() -> FailoverPolicies.parse(doc, "p.yaml", MESH)).errors()).hasSize(1);
  }
}
