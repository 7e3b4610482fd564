package io.fedmesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clusters, regions and zones read out of a topology file, and what it refuses. */
class TopologyLocalitiesTest {
  static final String TOPOLOGY =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: Topology
      name: demo                     # not read here: left to the runner
      clusters:
        - name: us-east
          region: us-east
          zones: [a, b]
          replicas: 2                # not read here
        - name: us-east-2
          region: us-east
          zones: [b, c]
        - name: us-west
          region: us-west
      """;

  static KnownLocalities parse(String yaml) {
    return TopologyLocalities.parse(yaml, "t.yaml");
  }

  static void assertError(String yaml, int line, int column, String path, String detail) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessage("t.yaml:" + line + ":" + column + ": " + path + ": " + detail);
  }

  @Test
  void readsClustersRegionsAndZonesIgnoringOtherFields() {
    KnownLocalities known = parse(TOPOLOGY);

    assertThat(known.isChecked()).isTrue();
    assertThat(known.clusters()).containsExactly("us-east", "us-east-2", "us-west");
    assertThat(known.regions()).containsExactly("us-east", "us-west");
    assertThat(known.regionOf("us-east-2")).contains("us-east");
    assertThat(known.zones("us-east")).containsExactly("a", "b", "c");
    assertThat(known.zones("us-west")).isEmpty();
    assertThat(known.allowsRegion("us-west")).isTrue();
    assertThat(known.allowsRegion("eu-west")).isFalse();
  }

  @Test
  void loadsAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("topology.yaml");
    Files.writeString(file, TOPOLOGY);

    assertThat(TopologyLocalities.load(file)).isEqualTo(parse(TOPOLOGY));
  }

  @Test
  void theSameAsBuiltByHand() {
    assertThat(parse(TOPOLOGY))
        .isEqualTo(
            KnownLocalities.builder()
                .cluster("us-east", "us-east", List.of("a", "b"))
                .cluster("us-east-2", "us-east", List.of("b", "c"))
                .cluster("us-west", "us-west", List.of())
                .build());
  }

  @Test
  void uncheckedAllowsEveryRegion() {
    assertThat(KnownLocalities.UNCHECKED.isChecked()).isFalse();
    assertThat(KnownLocalities.UNCHECKED.allowsRegion("anywhere")).isTrue();
    assertThat(KnownLocalities.UNCHECKED.regions()).isEmpty();
  }

  @Test
  void aClusterTwice() {
    String doc = TOPOLOGY.replace("name: us-east-2", "name: us-east");
    assertError(
        doc,
        9,
        11,
        "clusters[1].name",
        "cluster 'us-east' is listed twice (first at line 5; expected: each cluster once)");
  }

  @Test
  void aRegionMissing() {
    String doc = TOPOLOGY.replace("    region: us-west\n", "");
    assertError(doc, 12, 5, "clusters[2].region", "missing (a required field)");
  }

  @Test
  void aZoneThatIsNotALabel() {
    String doc = TOPOLOGY.replace("[a, b]", "[a, B]");
    assertError(
        doc,
        7,
        16,
        "clusters[0].zones[1]",
        "'B' (expected: a DNS label: lower-case letters, digits and '-', not at either end)");
  }

  @Test
  void aZoneTwice() {
    String doc = TOPOLOGY.replace("[a, b]", "[a, a]");
    assertError(doc, 7, 16, "clusters[0].zones[1]", "'a' is listed twice (first at line 7)");
  }

  @Test
  void anotherKind() {
    String doc = TOPOLOGY.replace("kind: Topology", "kind: ProxyConfig");
    assertError(doc, 2, 7, "kind", "'ProxyConfig' (expected: Topology)");
  }

  @Test
  void clustersMissing() {
    assertError(
        "apiVersion: fedmesh.io/v1alpha1\nkind: Topology\n",
        1,
        1,
        "clusters",
        "missing (a required field)");
  }

  @Test
  void theBuilderRefusesAClusterTwice() {
    KnownLocalities.Builder b = KnownLocalities.builder().cluster("c", "r", List.of());
    assertThatThrownBy(() -> b.cluster("c", "r", List.of()))
        .isInstanceOf(ModelException.class)
        .hasMessage("cluster: 'c' is added twice (expected: each cluster once)");
  }

  @Test
  void theBuilderRefusesANameThatIsNotALabel() {
    assertThatThrownBy(() -> KnownLocalities.builder().cluster("c", "Region", List.of()))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("region: 'Region' (expected: a DNS label");
  }
}
