package io.fedmesh.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirTest {
  @TempDir Path dir;

  @Test
  void aRunsTopologyStillReadsAfterItsPolicyFileMoved() throws Exception {
    Path checkout = Files.createDirectories(dir.resolve("checkout"));
    Files.copy(
        Path.of("../topologies/policies/reviews-failover.yaml"),
        checkout.resolve("reviews-failover.yaml"));
    StateDir state = new StateDir(Files.createDirectories(dir.resolve("run")));
    Files.copy(Path.of("../topologies/with-failover-policy.yaml"), state.topologyFile());
    Files.writeString(state.root().resolve("origin"), checkout + "\n");

    assertThat(state.topology().policies()).hasSize(1);

    // The file went away (another branch checked out): down and status must still find the run.
    Files.delete(checkout.resolve("reviews-failover.yaml"));
    assertThat(state.topology().clusterNames()).containsExactly("us-east", "us-west", "eu-west");
    assertThat(state.topology().policies()).isEmpty();
  }

  @Test
  void aBrokenTopologyIsStillAnError() throws Exception {
    StateDir state = new StateDir(Files.createDirectories(dir.resolve("run")));
    Files.writeString(state.topologyFile(), "apiVersion: fedmesh.io/v1alpha1\nkind: Nonsense\n");
    assertThatThrownBy(state::topology).isInstanceOf(ConfigException.class);
  }
}
