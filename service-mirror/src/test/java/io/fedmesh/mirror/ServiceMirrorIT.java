package io.fedmesh.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.CatalogMember;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.controller.peering.RemoteExports;
import io.fedmesh.controller.peering.TestClock;
import io.fedmesh.testing.FreePorts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mirror on a real Hazelcast catalog, fed the way peering feeds it (links, gateways and
 * received export sets in the catalog). Time is a manual clock: the lost-link bound is checked
 * against it, never against the wall clock.
 */
class ServiceMirrorIT {
  private static final Duration BOUND = Duration.ofMinutes(1);
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static HazelcastInstance member;
  private final TestClock clock = new TestClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private Catalog catalog;
  private ServiceMirror mirror;

  @BeforeAll
  static void startMember() {
    int port = FreePorts.take(1).get(0);
    member =
        new CatalogMember("mirror-it-" + port, "127.0.0.1", port, List.of("127.0.0.1:" + port))
            .start();
  }

  @AfterAll
  static void stopMember() {
    member.shutdown();
  }

  @BeforeEach
  void start() {
    catalog = Catalog.of(member);
    mirror =
        ServiceMirror.builder(catalog)
            .clock(clock)
            .lostBound(BOUND)
            .meterRegistry(registry)
            .resyncInterval(Duration.ofMinutes(10))
            .build();
  }

  @AfterEach
  void stop() {
    mirror.close();
    for (String map :
        List.of(
            Catalog.LINKS,
            Catalog.IMPORTS,
            Catalog.GATEWAYS,
            Catalog.SERVICES,
            Catalog.ENDPOINTS,
            "fedmesh." + RemoteExports.STATE_MAP,
            "fedmesh." + MirrorCondition.STATE_MAP)) {
      member.getMap(map).clear();
    }
  }

  private void link(String cluster, String state, long since) {
    catalog.putLink(
        new LinkEntry(
            cluster, cluster + ".fedmesh.local", "127.0.0.1", 15443, true, state, since, ""));
  }

  private static ImportEntry export(String cluster, String name, PortEntry... ports) {
    return new ImportEntry(
        cluster,
        "default",
        name,
        List.of(ports),
        List.of("spiffe://" + cluster + ".fedmesh.local/ns/default/sa/" + name),
        List.of(new LocalityCount(cluster, cluster + "-a", 2, 3)),
        true);
  }

  private static PortEntry http(int port) {
    return new PortEntry("http", port, "http");
  }

  private void exports(String cluster, ImportEntry... services) {
    catalog
        .state(RemoteExports.STATE_MAP)
        .set(cluster, Catalog.encode(new RemoteExports(cluster, 1, List.of(services))));
  }

  private Optional<ImportEntry> imported(String cluster, String name) {
    return catalog.imports(cluster).stream().filter(i -> i.name().equals(name)).findFirst();
  }

  private double events(Class<? extends MirrorEvent> type) {
    return registry.counter(ServiceMirror.METRIC_EVENTS, "type", type.getSimpleName()).count();
  }

  @Test
  void exportsBecomeImportsAndGoWhenNoLongerExported() {
    link("us-west", "connected", clock.millis());
    mirror.start();
    exports(
        "us-west",
        export("us-west", "reviews", http(9080)),
        export("us-west", "ratings", http(9081)));
    await().atMost(WAIT).until(() -> catalog.imports("us-west").size() == 2);
    ImportEntry reviews = imported("us-west", "reviews").orElseThrow();
    assertThat(reviews.reachable()).isTrue();
    assertThat(reviews.localities())
        .containsExactly(new LocalityCount("us-west", "us-west-a", 2, 3));

    exports("us-west", export("us-west", "reviews", http(9080)));
    await().atMost(WAIT).until(() -> imported("us-west", "ratings").isEmpty());
    assertThat(events(MirrorEvent.RemoteServiceUnexported.class)).isEqualTo(1.0);
    assertThat(imported("us-west", "reviews")).isPresent();
  }

  @Test
  void unlinkRemovesTheClustersImports() {
    link("us-west", "connected", clock.millis());
    link("eu-west", "connected", clock.millis());
    mirror.start();
    exports("us-west", export("us-west", "reviews", http(9080)));
    exports("eu-west", export("eu-west", "reviews", http(9080)));
    await().atMost(WAIT).until(() -> catalog.imports().size() == 2);
    catalog.removeLink("us-west");
    await().atMost(WAIT).until(() -> catalog.imports("us-west").isEmpty());
    assertThat(imported("eu-west", "reviews")).isPresent();
    assertThat(events(MirrorEvent.ClusterUnlinked.class)).isEqualTo(1.0);
  }

  @Test
  void aLostLinkMakesImportsUnreachableOnlyAfterTheBoundAndRecoveryRestoresThem() {
    link("us-west", "connected", clock.millis());
    mirror.start();
    exports("us-west", export("us-west", "reviews", http(9080)));
    await().atMost(WAIT).until(() -> imported("us-west", "reviews").isPresent());

    link("us-west", "lost", clock.millis());
    await().atMost(WAIT).until(() -> events(MirrorEvent.LinkLost.class) >= 1);
    assertThat(imported("us-west", "reviews").orElseThrow().reachable()).isTrue();

    clock.advance(BOUND);
    mirror.submit(new MirrorEvent.Resync());
    await().atMost(WAIT).until(() -> !imported("us-west", "reviews").orElseThrow().reachable());

    link("us-west", "connected", clock.millis());
    await().atMost(WAIT).until(() -> imported("us-west", "reviews").orElseThrow().reachable());
    assertThat(events(MirrorEvent.LinkRecovered.class)).isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void anUnhealthyGatewayBeyondTheBoundMakesImportsUnreachable() {
    link("us-west", "connected", clock.millis());
    catalog.putGateway(
        new GatewayEntry("us-west", "127.0.0.1", 15443, true, 0, clock.millis(), ""));
    mirror.start();
    exports("us-west", export("us-west", "reviews", http(9080)));
    await().atMost(WAIT).until(() -> imported("us-west", "reviews").isPresent());

    catalog.putGateway(
        new GatewayEntry(
            "us-west", "127.0.0.1", 15443, false, 0, clock.millis(), "3 probes failed"));
    clock.advance(BOUND);
    mirror.submit(new MirrorEvent.Resync());
    await().atMost(WAIT).until(() -> !imported("us-west", "reviews").orElseThrow().reachable());

    catalog.putGateway(
        new GatewayEntry("us-west", "127.0.0.1", 15443, true, 0, clock.millis(), ""));
    await().atMost(WAIT).until(() -> imported("us-west", "reviews").orElseThrow().reachable());
  }

  @Test
  void aLocalServiceNamedLikeThePerClusterImportIsAReportedNameClash() {
    link("us-west", "connected", clock.millis());
    catalog.putService(
        new ServiceEntry("default", "reviews-us-west", List.of(http(9080)), List.of(), false));
    mirror.start();
    exports("us-west", export("us-west", "reviews", http(9080)));
    await().atMost(WAIT).until(() -> !MirrorCondition.all(catalog).isEmpty());
    MirrorCondition c = MirrorCondition.all(catalog).get(0);
    assertThat(c.type()).isEqualTo(MirrorCondition.NAME_CLASH);
    assertThat(c.key()).isEqualTo("us-west/default/reviews");
    assertThat(c.message())
        .startsWith(
            "the local service default/reviews-us-west has the name the import of default/reviews"
                + " from us-west would get (reviews-us-west.default.svc.clusterset.local)");
    assertThat(imported("us-west", "reviews")).isEmpty();
    assertThat(
            registry
                .counter(ServiceMirror.METRIC_CLASHES, "type", MirrorCondition.NAME_CLASH)
                .count())
        .isEqualTo(1.0);

    // Renaming the local service resolves it: the import appears, the condition goes.
    catalog.removeService("default", "reviews-us-west");
    await()
        .atMost(WAIT)
        .until(
            () ->
                imported("us-west", "reviews").isPresent()
                    && MirrorCondition.all(catalog).isEmpty());
  }

  @Test
  void twoClustersExportingIncompatiblePortsAreAReportedPortClashNotAMerge() {
    link("eu-west", "connected", clock.millis());
    link("us-west", "connected", clock.millis());
    mirror.start();
    exports("eu-west", export("eu-west", "reviews", http(9080)));
    exports("us-west", export("us-west", "reviews", new PortEntry("http", 9080, "tcp")));
    await().atMost(WAIT).until(() -> !MirrorCondition.all(catalog).isEmpty());
    MirrorCondition c = MirrorCondition.all(catalog).get(0);
    assertThat(c.type()).isEqualTo(MirrorCondition.PORT_CLASH);
    assertThat(c.cluster()).isEqualTo("us-west");
    assertThat(c.message())
        .isEqualTo(
            "default/reviews from us-west has ports http/9080/tcp, incompatible with the import"
                + " from eu-west (http/9080/http): port 9080 is http on one side and tcp on the"
                + " other; not imported, so reviews.default.svc.clusterset.local does not merge"
                + " them");
    assertThat(imported("eu-west", "reviews")).isPresent();
    assertThat(imported("us-west", "reviews")).isEmpty();
  }

  @Test
  void anExportIncompatibleWithTheLocalServiceIsAPortClash() {
    link("us-west", "connected", clock.millis());
    catalog.putService(
        new ServiceEntry(
            "default", "reviews", List.of(new PortEntry("web", 9080, "http")), List.of(), true));
    mirror.start();
    exports("us-west", export("us-west", "reviews", new PortEntry("web", 8080, "http")));
    await().atMost(WAIT).until(() -> !MirrorCondition.all(catalog).isEmpty());
    assertThat(MirrorCondition.all(catalog).get(0).message())
        .contains("incompatible with the local service default/reviews (web/9080/http)")
        .contains("port 'web' is 9080 on one side and 8080 on the other");
    assertThat(imported("us-west", "reviews")).isEmpty();
  }

  @Test
  void aMalformedExportIsReportedNotImported() {
    link("us-west", "connected", clock.millis());
    mirror.start();
    exports("us-west", export("us-west", "reviews", new PortEntry("dns", 53, "udp")));
    await().atMost(WAIT).until(() -> !MirrorCondition.all(catalog).isEmpty());
    MirrorCondition c = MirrorCondition.all(catalog).get(0);
    assertThat(c.type()).isEqualTo(ServiceMirror.INVALID_EXPORT);
    assertThat(c.message()).isEqualTo("port dns: protocol 'udp' (expected: http, grpc or tcp)");
    assertThat(catalog.imports()).isEmpty();
  }

  @Test
  void importsOfAClusterNoLongerLinkedAreRemovedAtStart() {
    catalog.putImport(export("gone", "reviews", http(9080)));
    mirror.start();
    await().atMost(WAIT).until(() -> catalog.imports().isEmpty());
  }

  @Test
  void aReplicaThatIsNotLeaderWritesNothing() {
    mirror.close();
    mirror = ServiceMirror.builder(catalog).leader(() -> false).meterRegistry(registry).build();
    link("us-west", "connected", clock.millis());
    exports("us-west", export("us-west", "reviews", http(9080)));
    mirror.start();
    mirror.submit(new MirrorEvent.Resync());
    ServiceMirror leader =
        ServiceMirror.builder(catalog).meterRegistry(new SimpleMeterRegistry()).build();
    leader.start();
    try {
      await().atMost(WAIT).until(() -> imported("us-west", "reviews").isPresent());
      assertThat(registry.find(ServiceMirror.METRIC_EVENTS).counters()).isEmpty();
    } finally {
      leader.close();
    }
  }
}
