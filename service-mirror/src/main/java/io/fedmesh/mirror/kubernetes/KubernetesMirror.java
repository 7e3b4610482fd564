package io.fedmesh.mirror.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.mirror.MirrorSink;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Mirrors imports into Kubernetes, as Linkerd's service mirror does: for {@code reviews} imported
 * from {@code us-west}, a selector-less Service {@code reviews-us-west} in the same namespace with
 * the exported ports, and an EndpointSlice of the same name whose one endpoint is us-west's
 * east-west gateway (every port maps to the gateway's port; the sidecar's SNI picks the service).
 * The endpoint is ready when the import is reachable, the gateway healthy and the exporter has a
 * healthy endpoint. Everything it writes carries {@value #MIRROR_LABEL}{@code =true}, so a resync
 * deletes mirrors of imports that are gone (orphans) and never touches anything else.
 *
 * <p>Only per-cluster Services are written; the clusterset-wide name ({@code
 * svc.ns.svc.clusterset.local}) is resolved by the sidecar from the pushed snapshot, not by DNS.
 */
public final class KubernetesMirror implements MirrorSink {
  /** Label on every object this writer owns. */
  public static final String MIRROR_LABEL = "fedmesh.io/mirror";

  /** Label naming the exporting cluster. */
  public static final String CLUSTER_LABEL = "fedmesh.io/cluster";

  /** Label naming the service as exported (without the cluster suffix). */
  public static final String SERVICE_LABEL = "fedmesh.io/service";

  /** Annotation listing the SPIFFE IDs the exporter's workloads run as, comma-separated. */
  public static final String IDENTITIES_ANNOTATION = "fedmesh.io/identities";

  static final String MANAGED_BY = "fedmesh.io/service-mirror";

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final KubernetesClient client;

  public KubernetesMirror(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The mirror Service's name for an import. */
  public static String mirrorName(ImportEntry entry) {
    return entry.name() + "-" + entry.cluster();
  }

  @Override
  public void imported(ImportEntry entry, GatewayEntry gateway) {
    client
        .services()
        .inNamespace(entry.namespace())
        .resource(service(entry))
        .createOr(NonDeletingOperation::update);
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(entry.namespace())
        .resource(slice(entry, gateway))
        .createOr(NonDeletingOperation::update);
  }

  @Override
  public void removed(ImportEntry entry) {
    String name = mirrorName(entry);
    client.discovery().v1().endpointSlices().inNamespace(entry.namespace()).withName(name).delete();
    client.services().inNamespace(entry.namespace()).withName(name).delete();
  }

  @Override
  public void resync(List<ImportEntry> imports, Map<String, GatewayEntry> gateways) {
    Set<String> wanted = new HashSet<>();
    for (ImportEntry i : imports) {
      wanted.add(i.namespace() + "/" + mirrorName(i));
    }
    for (Service s :
        client.services().inAnyNamespace().withLabel(MIRROR_LABEL, "true").list().getItems()) {
      if (!wanted.contains(key(s))) {
        client.services().inNamespace(s.getMetadata().getNamespace()).resource(s).delete();
      }
    }
    for (EndpointSlice s :
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inAnyNamespace()
            .withLabel(MIRROR_LABEL, "true")
            .list()
            .getItems()) {
      if (!wanted.contains(key(s))) {
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(s.getMetadata().getNamespace())
            .resource(s)
            .delete();
      }
    }
    for (ImportEntry i : imports) {
      imported(i, gateways.get(i.cluster()));
    }
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private static Map<String, String> labels(ImportEntry entry) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MIRROR_LABEL, "true");
    labels.put(CLUSTER_LABEL, entry.cluster());
    labels.put(SERVICE_LABEL, entry.name());
    return labels;
  }

  static Service service(ImportEntry entry) {
    List<ServicePort> ports = new ArrayList<>();
    for (PortEntry p : entry.ports()) {
      ports.add(
          new ServicePortBuilder()
              .withName(p.name())
              .withPort(p.port())
              .withProtocol("TCP")
              .withAppProtocol(p.protocol())
              .build());
    }
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(mirrorName(entry))
        .withNamespace(entry.namespace())
        .withLabels(labels(entry))
        .addToAnnotations(IDENTITIES_ANNOTATION, String.join(",", entry.identities()))
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withPorts(ports)
        .endSpec()
        .build();
  }

  static EndpointSlice slice(ImportEntry entry, GatewayEntry gateway) {
    Map<String, String> labels = labels(entry);
    labels.put("kubernetes.io/service-name", mirrorName(entry));
    labels.put("endpointslice.kubernetes.io/managed-by", MANAGED_BY);
    EndpointSliceBuilder b =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(mirrorName(entry))
            .withNamespace(entry.namespace())
            .withLabels(labels)
            .endMetadata()
            .withAddressType(
                gateway == null || IPV4.matcher(gateway.host()).matches() ? "IPv4" : "FQDN");
    if (gateway == null) {
      return b.withEndpoints(List.of()).withPorts(List.of()).build();
    }
    int healthy = entry.localities().stream().mapToInt(LocalityCount::healthy).sum();
    boolean ready = entry.reachable() && gateway.healthy() && healthy > 0;
    List<EndpointPort> ports = new ArrayList<>();
    for (PortEntry p : entry.ports()) {
      ports.add(
          new EndpointPortBuilder()
              .withName(p.name())
              .withPort(gateway.port())
              .withProtocol("TCP")
              .withAppProtocol(p.protocol())
              .build());
    }
    return b.withEndpoints(
            new EndpointBuilder()
                .withAddresses(gateway.host())
                .withNewConditions()
                .withReady(ready)
                .withServing(ready)
                .withTerminating(false)
                .endConditions()
                .build())
        .withPorts(ports)
        .build();
  }
}
