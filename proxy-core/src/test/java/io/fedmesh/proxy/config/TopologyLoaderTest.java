package io.fedmesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyLoaderTest {
  private static final Path TOPOLOGIES = Path.of("..", "topologies");

  private static final String HEAD =
      "apiVersion: fedmesh.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\n";

  private static Topology parse(String body) {
    return TopologyLoader.parse(HEAD + body, "t.yaml", null);
  }

  private static void assertError(String body, String message) {
    assertThatThrownBy(() -> parse(body)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void theDefaultTopologyHasTwoLinkedClusters() {
    Topology t = TopologyLoader.load(TOPOLOGIES.resolve("default.yaml"));
    assertThat(t.name()).isEqualTo("default");
    assertThat(t.clusterNames()).containsExactly("us-east", "us-west");
    Topology.Cluster east = t.cluster("us-east").orElseThrow();
    assertThat(east.trustDomain()).isEqualTo("us-east.fedmesh.local");
    assertThat(east.zones()).containsExactly("us-east-1a", "us-east-1b");
    assertThat(east.controllers()).isEqualTo(2);
    Topology.Service frontend = east.services().get(0);
    assertThat(frontend.replicas())
        .containsExactly(Map.entry("us-east-1a", 1), Map.entry("us-east-1b", 0));
    Topology.Service reviews = east.services().get(1);
    assertThat(reviews.exported()).isTrue();
    assertThat(reviews.kind()).isEqualTo(Topology.Kind.HTTP_ECHO);
    assertThat(reviews.totalReplicas()).isEqualTo(2);
    assertThat(t.links()).containsExactly(new Topology.Link("us-east", "us-west"));
  }

  @Test
  void theThreeClusterTopologySpansTwoRegions() {
    Topology t = TopologyLoader.load(TOPOLOGIES.resolve("three-clusters.yaml"));
    assertThat(t.clusterNames()).containsExactly("us-east", "us-west", "eu-west");
    assertThat(t.clusters().stream().map(Topology.Cluster::region).distinct())
        .containsExactly("us", "eu");
    assertThat(t.cluster("eu-west").orElseThrow().services().get(1).kind())
        .isEqualTo(Topology.Kind.GRPC_ECHO);
    assertThat(t.links()).hasSize(3);
  }

  @Test
  void aPolicyFileIsReadRelativeToTheTopology() {
    Topology t = TopologyLoader.load(TOPOLOGIES.resolve("with-failover-policy.yaml"));
    assertThat(t.policies()).hasSize(1);
    assertThat(t.policies().get(0).yaml()).contains("kind: FailoverPolicy");
    assertThat(t.policies().get(0).clusters()).containsExactly("us-east");
  }

  @Test
  void anInlinePolicyIsKeptAsYamlText() {
    Topology t =
        parse(
            "clusters: [{name: a, region: r, zones: [z]}]\n"
                + "policies:\n  - inline: {kind: FailoverPolicy, spec: {service: x}}\n");
    assertThat(t.policies().get(0).yaml()).contains("kind: FailoverPolicy").contains("service: x");
    assertThat(t.policies().get(0).source()).isEqualTo("t.yaml (policies[0].inline, line 6)");
    assertThat(t.policies().get(0).clusters()).isEmpty();
  }

  @Test
  void defaultsFillTrustDomainControllersKindPortAndReplicas() {
    Topology t =
        parse("clusters: [{name: a, region: r, zones: [z1, z2], services: [{name: s}]}]\n");
    Topology.Cluster a = t.clusters().get(0);
    assertThat(a.trustDomain()).isEqualTo("a.fedmesh.local");
    assertThat(a.controllers()).isEqualTo(Topology.DEFAULT_CONTROLLERS);
    Topology.Service s = a.services().get(0);
    assertThat(s.namespace()).isEqualTo("default");
    assertThat(s.port()).isEqualTo(9080);
    assertThat(s.exported()).isFalse();
    assertThat(s.replicas()).containsExactly(Map.entry("z1", 1), Map.entry("z2", 1));
  }

  @Test
  void wrongKindIsNamed() {
    assertThatThrownBy(
            () -> TopologyLoader.parse(HEAD.replace("Topology", "ProxyConfig"), "t.yaml", null))
        .hasMessage("t.yaml:2:7: kind: 'ProxyConfig' (expected: Topology)");
  }

  @Test
  void emptyFileIsRefused() {
    assertThatThrownBy(() -> TopologyLoader.parse("", "t.yaml", null))
        .hasMessageStartingWith("t.yaml:1:1: empty file (expected: a Topology document");
  }

  @Test
  void missingMetadataIsRefused() {
    assertThatThrownBy(
            () ->
                TopologyLoader.parse(
                    "apiVersion: fedmesh.io/v1alpha1\nkind: Topology\nclusters: []\n",
                    "t.yaml",
                    null))
        .hasMessage("t.yaml:1:1: metadata: missing (a required field)");
  }

  @Test
  void noClustersIsRefused() {
    assertError(
        "clusters: []\n", "t.yaml:4:11: clusters: an empty list (expected: at least one cluster)");
  }

  @Test
  void unknownClusterFieldSuggestsTheRightOne() {
    assertError(
        "clusters: [{name: a, regoin: r, zones: [z]}]\n",
        "t.yaml:4:22: clusters[0].regoin: unknown field (did you mean 'region'? expected in"
            + " clusters[0]: one of name, trustDomain, region, zones, controllers, services)");
  }

  @Test
  void clusterNameMustBeADnsLabel() {
    assertError(
        "clusters: [{name: US_East, region: r, zones: [z]}]\n",
        "t.yaml:4:19: clusters[0].name: 'US_East' (expected: a DNS label: at most 63 lower-case"
            + " letters, digits and '-', not at either end)");
  }

  @Test
  void clusterListedTwiceIsRefused() {
    assertError(
        "clusters:\n  - {name: a, region: r, zones: [z]}\n  - {name: a, region: r, zones: [y]}\n",
        "t.yaml:6:12: clusters[1].name: cluster 'a' is listed twice (first at line 5; expected:"
            + " each cluster once)");
  }

  @Test
  void sameTrustDomainTwiceIsRefused() {
    assertError(
        "clusters:\n  - {name: a, trustDomain: x.local, region: r, zones: [z]}\n"
            + "  - {name: b, trustDomain: x.local, region: r, zones: [y]}\n",
        "t.yaml:6:28: clusters[1].trustDomain: trust domain 'x.local' is listed twice (first at"
            + " line 5; expected: each trust once)");
  }

  @Test
  void clusterWithoutZonesIsRefused() {
    assertError(
        "clusters: [{name: a, region: r}]\n",
        "t.yaml:4:12: clusters[0].zones: missing (expected: at least one zone, e.g. [r-1a])");
  }

  @Test
  void tooManyControllersIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z], controllers: 9}]\n",
        "t.yaml:4:58: clusters[0].controllers: 9 (expected: 1..5)");
  }

  @Test
  void unknownServiceKindListsTheKinds() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z], services: [{name: s, kind: http}]}]\n",
        "t.yaml:4:72: clusters[0].services[0].kind: 'http' (expected: one of grpc-echo,"
            + " http-echo)");
  }

  @Test
  void replicasInAnUnknownZoneAreRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z1], services: [{name: s, replicas: {z2: 1}}]}]\n",
        "t.yaml:4:78: clusters[0].services[0].replicas.z2: unknown field (did you mean 'z1'?"
            + " expected in clusters[0].services[0].replicas: one of z1)");
  }

  @Test
  void negativeReplicasAreRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z], services: [{name: s, replicas: -1}]}]\n",
        "t.yaml:4:76: clusters[0].services[0].replicas: -1 (expected: 0..20 per zone)");
  }

  @Test
  void serviceTwiceInAClusterIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z], services: [{name: s}, {name: s}]}]\n",
        "t.yaml:4:74: clusters[0].services[1].name: service 'default/s' is listed twice (first at"
            + " line 4; expected: each service once)");
  }

  @Test
  void sameServiceWithAnotherPortElsewhereIsRefused() {
    assertError(
        "clusters:\n  - {name: a, region: r, zones: [z], services: [{name: s}]}\n"
            + "  - {name: b, region: r, zones: [y], services: [{name: s, port: 80}]}\n",
        "t.yaml:6:49: clusters[1].services[0]: http-echo on port 80 differs from cluster a"
            + " (http-echo on port 9080; expected: the same kind and port in every cluster, as"
            + " callers of the clusterset-wide service see one)");
  }

  @Test
  void linkToAnUnknownClusterSuggestsOne() {
    assertError(
        "clusters: [{name: us-east, region: r, zones: [z]}]\nlinks: [{from: us-east, to: us-est}]\n",
        "t.yaml:5:29: links[0].to: 'us-est' is not a cluster of this topology (expected: one of"
            + " us-east; did you mean 'us-east'?)");
  }

  @Test
  void linkToItselfIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z]}]\nlinks: [{from: a, to: a}]\n",
        "t.yaml:5:23: links[0].to: 'a' is 'from' too (expected: another cluster)");
  }

  @Test
  void samePairLinkedTwiceIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z]}, {name: b, region: r, zones: [y]}]\n"
            + "links: [{from: a, to: b}, {from: b, to: a}]\n",
        "t.yaml:5:27: links[1]: a and b are linked twice (first at line 5; expected: one link per"
            + " pair, either direction: peering carries both ways)");
  }

  @Test
  void policyWithBothFileAndInlineIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z]}]\npolicies: [{file: p.yaml, inline: {}}]\n",
        "t.yaml:5:12: policies[0]: expected: exactly one of 'file' (a path) or 'inline' (a"
            + " document)");
  }

  @Test
  void missingPolicyFileIsNamed(@TempDir Path dir) throws Exception {
    Path topology = dir.resolve("t.yaml");
    Files.writeString(
        topology,
        HEAD + "clusters: [{name: a, region: r, zones: [z]}]\npolicies: [{file: nope.yaml}]\n");
    assertThatThrownBy(() -> TopologyLoader.load(topology))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            topology
                + ":5:19: policies[0].file: cannot read "
                + dir.resolve("nope.yaml")
                + ": NoSuchFileException (expected: a readable file)");
  }

  @Test
  void policyForAnUnknownClusterIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z]}]\n"
            + "policies: [{inline: {kind: FailoverPolicy}, clusters: [b]}]\n",
        "t.yaml:5:56: policies[0].clusters[0]: 'b' is not a cluster of this topology (expected:"
            + " one of a; did you mean 'a'?)");
  }

  private static final String LOCALITIES =
      """
      clusters:
        - name: us-east
          region: us-east
          zones: [a, b]
        - name: us-east-2
          region: us-east
          zones: [b, c]
        - name: us-west
          region: us-west
          zones: [w]
      """;

  @Test
  void theLocalitiesPoliciesAreCheckedAgainstComeFromTheClusters() {
    KnownLocalities known = parse(LOCALITIES).localities();

    assertThat(known.isChecked()).isTrue();
    assertThat(known.clusters()).containsExactly("us-east", "us-east-2", "us-west");
    assertThat(known.regions()).containsExactly("us-east", "us-west");
    assertThat(known.regionOf("us-east-2")).contains("us-east");
    assertThat(known.zones("us-east")).containsExactly("a", "b", "c");
    assertThat(known.zones("us-west")).containsExactly("w");
    assertThat(known.zones("eu-west")).isEmpty();
    assertThat(known.allowsRegion("us-west")).isTrue();
    assertThat(known.allowsRegion("eu-west")).isFalse();
  }

  @Test
  void theLocalitiesAreTheSameAsBuiltByHand() {
    assertThat(parse(LOCALITIES).localities())
        .isEqualTo(
            KnownLocalities.builder()
                .cluster("us-east", "us-east", List.of("a", "b"))
                .cluster("us-east-2", "us-east", List.of("b", "c"))
                .cluster("us-west", "us-west", List.of("w"))
                .build());
  }

  @Test
  void theShippedPolicyLocalitiesFileIsATopology() {
    KnownLocalities known =
        TopologyLoader.load(TOPOLOGIES.resolve("policies").resolve("localities.yaml")).localities();
    assertThat(known.regions()).containsExactly("eu-west", "us-east", "us-west");
  }

  @Test
  void uncheckedLocalitiesAllowEveryRegion() {
    assertThat(KnownLocalities.UNCHECKED.isChecked()).isFalse();
    assertThat(KnownLocalities.UNCHECKED.allowsRegion("anywhere")).isTrue();
    assertThat(KnownLocalities.UNCHECKED.regions()).isEmpty();
  }

  @Test
  void theLocalitiesBuilderRefusesAClusterTwice() {
    KnownLocalities.Builder b = KnownLocalities.builder().cluster("c", "r", List.of());
    assertThatThrownBy(() -> b.cluster("c", "r", List.of()))
        .isInstanceOf(ModelException.class)
        .hasMessage("cluster: 'c' is added twice (expected: each cluster once)");
  }

  @Test
  void theLocalitiesBuilderRefusesANameThatIsNotALabel() {
    assertThatThrownBy(() -> KnownLocalities.builder().cluster("c", "Region", List.of()))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("region: 'Region' (expected: a DNS label");
  }

  @Test
  void aRegionMissingIsRefused() {
    assertError(
        "clusters: [{name: a, zones: [z]}]\n",
        "t.yaml:4:12: clusters[0].region: missing (a required field)");
  }

  @Test
  void aZoneThatIsNotALabelIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z, B]}]\n",
        "t.yaml:4:44: clusters[0].zones[1]: 'B' (expected: a DNS label: at most 63 lower-case"
            + " letters, digits and '-', not at either end)");
  }

  @Test
  void aZoneTwiceIsRefused() {
    assertError(
        "clusters: [{name: a, region: r, zones: [z, z]}]\n",
        "t.yaml:4:44: clusters[0].zones[1]: 'z' is listed twice (first at line 4)");
  }

  @Test
  void allClusterNamesInOrder() {
    assertThat(
            parse(
                    "clusters: [{name: b, region: r, zones: [z]}, {name: a, region: r, zones: [y]}]\n")
                .clusterNames())
        .isEqualTo(List.of("b", "a"));
  }
}
