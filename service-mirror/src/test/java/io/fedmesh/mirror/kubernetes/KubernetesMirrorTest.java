package io.fedmesh.mirror.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.PortEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Kubernetes writer against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KubernetesMirrorTest {
  KubernetesClient client;

  private static final GatewayEntry WEST_GW =
      new GatewayEntry("us-west", "10.1.2.3", 15443, true, 0.1, 1L, "");

  private static ImportEntry reviews(boolean reachable, int healthy) {
    return new ImportEntry(
        "us-west",
        "shop",
        "reviews",
        List.of(new PortEntry("http", 9080, "http"), new PortEntry("grpc", 9090, "grpc")),
        List.of("spiffe://us-west.fedmesh.local/ns/shop/sa/reviews"),
        List.of(new LocalityCount("us-west", "us-west-a", healthy, 3)),
        reachable);
  }

  private Service service(String ns, String name) {
    return client.services().inNamespace(ns).withName(name).get();
  }

  private EndpointSlice slice(String ns, String name) {
    return client.discovery().v1().endpointSlices().inNamespace(ns).withName(name).get();
  }

  @Test
  void anImportBecomesAServiceAndAnEndpointSliceAtTheGateway() {
    new KubernetesMirror(client).imported(reviews(true, 2), WEST_GW);

    Service s = service("shop", "reviews-us-west");
    assertThat(s.getMetadata().getLabels())
        .containsEntry(KubernetesMirror.MIRROR_LABEL, "true")
        .containsEntry(KubernetesMirror.CLUSTER_LABEL, "us-west")
        .containsEntry(KubernetesMirror.SERVICE_LABEL, "reviews");
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry(
            KubernetesMirror.IDENTITIES_ANNOTATION,
            "spiffe://us-west.fedmesh.local/ns/shop/sa/reviews");
    assertThat(s.getSpec().getSelector()).isNullOrEmpty();
    assertThat(s.getSpec().getPorts())
        .extracting(p -> p.getName() + "/" + p.getPort() + "/" + p.getAppProtocol())
        .containsExactly("http/9080/http", "grpc/9090/grpc");

    EndpointSlice e = slice("shop", "reviews-us-west");
    assertThat(e.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", "reviews-us-west");
    assertThat(e.getAddressType()).isEqualTo("IPv4");
    assertThat(e.getEndpoints()).hasSize(1);
    assertThat(e.getEndpoints().get(0).getAddresses()).containsExactly("10.1.2.3");
    assertThat(e.getEndpoints().get(0).getConditions().getReady()).isTrue();
    assertThat(e.getPorts())
        .extracting(p -> p.getName() + "/" + p.getPort())
        .containsExactly("http/15443", "grpc/15443");
  }

  @Test
  void anUnreachableImportUpdatesTheSliceToNotReady() {
    KubernetesMirror mirror = new KubernetesMirror(client);
    mirror.imported(reviews(true, 2), WEST_GW);
    mirror.imported(reviews(false, 2), WEST_GW);
    assertThat(slice("shop", "reviews-us-west").getEndpoints().get(0).getConditions().getReady())
        .isFalse();
  }

  @Test
  void anImportWithNoHealthyEndpointIsNotReady() {
    new KubernetesMirror(client).imported(reviews(true, 0), WEST_GW);
    assertThat(slice("shop", "reviews-us-west").getEndpoints().get(0).getConditions().getReady())
        .isFalse();
  }

  @Test
  void aRemovedImportDeletesItsServiceAndSlice() {
    KubernetesMirror mirror = new KubernetesMirror(client);
    mirror.imported(reviews(true, 2), WEST_GW);
    mirror.removed(reviews(true, 2));
    assertThat(service("shop", "reviews-us-west")).isNull();
    assertThat(slice("shop", "reviews-us-west")).isNull();
  }

  @Test
  void resyncDeletesOrphanMirrorsAndLeavesOtherServicesAlone() {
    KubernetesMirror mirror = new KubernetesMirror(client);
    ImportEntry ratings =
        new ImportEntry(
            "us-west",
            "shop",
            "ratings",
            List.of(new PortEntry("http", 9081, "http")),
            List.of(),
            List.of(),
            true);
    mirror.imported(ratings, WEST_GW);
    client
        .services()
        .inNamespace("shop")
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("cart")
                .withNamespace("shop")
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .build())
        .create();

    mirror.resync(List.of(reviews(true, 2)), Map.of("us-west", WEST_GW));

    assertThat(service("shop", "ratings-us-west")).isNull();
    assertThat(slice("shop", "ratings-us-west")).isNull();
    assertThat(service("shop", "reviews-us-west")).isNotNull();
    assertThat(service("shop", "cart")).isNotNull();
  }

  @Test
  void aGatewayWithAHostNameGivesAnFqdnSlice() {
    new KubernetesMirror(client)
        .imported(
            reviews(true, 2),
            new GatewayEntry("us-west", "gw.us-west.example", 15443, true, 0, 1L, ""));
    assertThat(slice("shop", "reviews-us-west").getAddressType()).isEqualTo("FQDN");
  }
}
