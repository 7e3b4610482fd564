package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.proxy.config.FailoverPolicies;
import io.fedmesh.proxy.config.KnownLocalities;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedmesh policy validate}: exit codes, what it prints, and the shipped examples. */
class PolicyValidateCommandTest {
  /** The examples shipped in topologies/policies, relative to this module. */
  static final Path EXAMPLES = Path.of("..", "topologies", "policies");

  static final String POLICY =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: FailoverPolicy
      metadata: {name: reviews}
      spec:
        service: reviews
        locality:
          failoverPriority: [region, zone, cluster]
          failover: [{from: us-east, to: [us-west]}]
        timeout: 3s
      """;

  static final String TOPOLOGY =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: Topology
      metadata: {name: t}
      clusters:
        - {name: us-east, region: us-east, zones: [a, b]}
        - {name: us-west, region: us-west, zones: [a]}
      """;

  @TempDir Path dir;

  Path write(String name, String content) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  @Test
  void aValidFileExitsZeroAndSummarizesEachPolicy() throws Exception {
    Path f = write("p.yaml", POLICY);

    Cli.Result r = Cli.run("policy", "validate", "-f", f.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            f
                + ": valid, 1 policy (regions not checked: no --topology)\n"
                + "  default/reviews for service reviews\n"
                + "      failoverPriority [region, zone, cluster], failover us-east -> us-west,"
                + " timeout 3s, 2 retries\n");
  }

  @Test
  void withATopologyTheRegionsAreChecked() throws Exception {
    Path f = write("p.yaml", POLICY.replace("to: [us-west]", "to: [eu-west]"));
    Path t = write("topology.yaml", TOPOLOGY);

    Cli.Result unchecked = Cli.run("policy", "validate", "-f", f.toString());
    Cli.Result checked =
        Cli.run("policy", "validate", "-f", f.toString(), "--topology", t.toString());

    assertThat(unchecked.exitCode()).isZero();
    assertThat(checked.exitCode()).isEqualTo(2);
    assertThat(checked.out()).isEmpty();
    assertThat(checked.err())
        .isEqualTo(
            f
                + ":8:37: spec.locality.failover[0].to[0]: 'eu-west' is not a known region"
                + " (expected: a region of the topology: one of us-east, us-west; did you mean"
                + " 'us-west'?)\n"
                + "fedmesh: error: "
                + f
                + ": 1 error; no policy is valid (a policy file is accepted whole or not at"
                + " all)\n");
  }

  @Test
  void everyErrorIsPrintedOnItsOwnLineWithoutAStackTrace() throws Exception {
    Path f =
        write(
            "p.yaml",
            POLICY.replace("timeout: 3s", "timeout: 3")
                + "---\n"
                + POLICY.replace("failoverPriority: [region, zone, cluster]", "failoverPrio: []"));

    Cli.Result r = Cli.run("policy", "validate", "-f", f.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().split("\n"))
        .containsExactly(
            f
                + ":9:12: spec.timeout: '3' has no unit (expected: a duration such as 500ms, 1.5s,"
                + " 2m or 1h)",
            f
                + ":13:18: metadata.name: a second FailoverPolicy named default/reviews (first at"
                + " line 3; expected: unique names in a namespace)",
            f
                + ":15:12: spec.service: a second policy for service default/reviews (first at"
                + " line 5; expected: one policy per service)",
            f
                + ":17:5: spec.locality.failoverPrio: unknown field (did you mean"
                + " 'failoverPriority'? expected in spec.locality: one of failoverPriority,"
                + " failover, overprovisioningFactor)",
            "fedmesh: error: "
                + f
                + ": 4 errors; no policy is valid (a policy file is accepted whole or not at"
                + " all)");
    assertThat(r.err()).doesNotContain("Exception", "\tat ");
  }

  @Test
  void jsonPrintsTheNormalizedPoliciesWhichReadBackTheSame() throws Exception {
    Path f = write("p.yaml", POLICY);

    Cli.Result r = Cli.run("policy", "validate", "-f", f.toString(), "-o", "json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertThat(report.get("file").asText()).isEqualTo(f.toString());
    assertThat(report.get("topology").isNull()).isTrue();
    JsonNode policy = report.get("policies").get(0);
    assertThat(policy.get("kind").asText()).isEqualTo("FailoverPolicy");
    assertThat(policy.at("/metadata/namespace").asText()).isEqualTo("default");
    assertThat(policy.at("/spec/timeout").asText()).isEqualTo("3s");
    assertThat(policy.at("/spec/retries/perTryTimeout").asText()).isEqualTo("1s");
    assertThat(policy.at("/spec/locality/failoverPriority").toString())
        .isEqualTo("[\"region\",\"zone\",\"cluster\"]");
    // JSON is YAML: the normalized document is itself a valid policy file, with the same meaning.
    assertThat(
            FailoverPolicies.parse(policy.toString(), "normalized.json", KnownLocalities.UNCHECKED))
        .isEqualTo(FailoverPolicies.parse(POLICY, "p.yaml", KnownLocalities.UNCHECKED));
  }

  @Test
  void theShippedExamplesAreValidAgainstTheirTopology() {
    Cli.Result r =
        Cli.run(
            "policy",
            "validate",
            "-f",
            EXAMPLES.resolve("reviews-failover.yaml").toString(),
            "--topology",
            EXAMPLES.resolve("localities.yaml").toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("valid, 2 policies (regions checked against");
  }

  @Test
  void aMissingFileIsAUsageError() {
    Path missing = dir.resolve("nope.yaml");

    Cli.Result r = Cli.run("policy", "validate", "-f", missing.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith(missing + ": cannot read: NoSuchFileException");
  }

  @Test
  void aBadTopologyIsAUsageErrorNamingIt() throws Exception {
    Path f = write("p.yaml", POLICY);
    Path t = write("topology.yaml", TOPOLOGY.replace("region: us-west", "region: US-West"));

    Cli.Result r = Cli.run("policy", "validate", "-f", f.toString(), "--topology", t.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "fedmesh: error: "
                + t
                + ":6:29: clusters[1].region: 'US-West' (expected: a DNS label: at most 63 lower-case"
                + " letters, digits and '-', not at either end)\n");
  }

  @Test
  void theFileOptionIsRequired() {
    Cli.Result r = Cli.run("policy", "validate");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--file=FILE'");
  }
}
