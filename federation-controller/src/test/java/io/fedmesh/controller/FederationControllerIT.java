package io.fedmesh.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real replicas: one leader, both registered, extensions installed with a live context. */
class FederationControllerIT {
  private static final List<String> installedOn = new CopyOnWriteArrayList<>();
  private static final List<FederationController> started = new CopyOnWriteArrayList<>();
  private static ControllerFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture =
        ControllerFixture.start(
            "ctl-it",
            2,
            b ->
                b.extension(ctx -> installedOn.add(ctx.replicaId() + "/" + ctx.trustDomain()))
                    .onStarted(started::add));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void exactlyOneReplicaIsLeaderAndItIsTheOldest() {
    await()
        .atMost(ControllerFixture.bound())
        .until(() -> fixture.first().context().replicas().size() == 2);
    assertThat(fixture.replicas).filteredOn(FederationController::isLeader).hasSize(1);
    FederationController leader =
        fixture.replicas.stream().filter(FederationController::isLeader).findFirst().orElseThrow();
    FederationController follower = fixture.replicas.get(fixture.replicas.indexOf(leader) ^ 1);
    // Oldest first in the member view of either replica: the leader is the oldest member.
    List<ControllerContext.Replica> replicas = follower.context().replicas();
    assertThat(replicas.get(0).leader()).isTrue();
    assertThat(replicas.get(0).replicaId()).isEqualTo(leader.replicaId());
    assertThat(replicas.get(1).mtlsPort()).isEqualTo(follower.mtlsPort());
  }

  @Test
  void eachReplicaIsAnEndpointOfThePeeringAndBootstrapServices() {
    List<EndpointEntry> peering =
        fixture
            .first()
            .catalog()
            .endpoints(SystemIdentities.NAMESPACE, FederationController.PEERING_SERVICE);
    List<Integer> ports = new ArrayList<>();
    peering.forEach(e -> ports.add(e.port()));
    assertThat(ports)
        .containsExactlyInAnyOrder(
            fixture.replicas.get(0).mtlsPort(), fixture.replicas.get(1).mtlsPort());
    assertThat(
            fixture
                .first()
                .catalog()
                .service(SystemIdentities.NAMESPACE, FederationController.BOOTSTRAP_SERVICE))
        .hasValueSatisfying(s -> assertThat(s.exported()).isTrue());
  }

  @Test
  void extensionsAreInstalledOnEveryReplicaAndOnStartedRunsAfterListening() {
    assertThat(installedOn)
        .containsExactlyInAnyOrder(
            fixture.replicas.get(0).replicaId() + "/ctl-it.fedmesh.local",
            fixture.replicas.get(1).replicaId() + "/ctl-it.fedmesh.local");
    assertThat(started).containsExactlyElementsOf(fixture.replicas);
    assertThat(started).allSatisfy(c -> assertThat(c.mtlsPort()).isPositive());
  }

  @Test
  void theCaBundleIsInTheCatalogAndTheReplicasTrustIt() {
    assertThat(fixture.first().catalog().bundle(fixture.ca.trustDomain())).isPresent();
    assertThat(fixture.replicas.get(1).context().bundles().localDomain())
        .isEqualTo(fixture.ca.trustDomain());
  }
}
