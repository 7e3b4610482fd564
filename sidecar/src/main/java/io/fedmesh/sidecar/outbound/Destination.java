package io.fedmesh.sidecar.outbound;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a request from the app is going: a service, and which of its clusters may serve it.
 *
 * <ul>
 *   <li>{@code reviews.default.svc.cluster.local}: this cluster's endpoints only (Kubernetes
 *       semantics: cluster-local services stay local).
 *   <li>{@code reviews.default.svc.clusterset.local}: every cluster that has it (MCS API).
 *   <li>{@code reviews-us-west.default.svc.clusterset.local} (or {@code .cluster.local}): cluster
 *       {@code us-west} only, as the service mirror names it. A real service called {@code
 *       reviews-us-west} wins over this reading.
 * </ul>
 *
 * @param service the service
 * @param onlyCluster the one cluster allowed to serve, when the host names one
 */
public record Destination(Service service, Optional<String> onlyCluster) {
  static final String CLUSTER_LOCAL = ".svc.cluster.local";
  static final String CLUSTERSET_LOCAL = ".svc.clusterset.local";

  /**
   * Resolves {@code host} (an authority, with or without port) against {@code snapshot}; empty when
   * it names no known service.
   */
  public static Optional<Destination> resolve(String host, ProxySnapshot snapshot) {
    if (host == null) {
      return Optional.empty();
    }
    String h = stripPort(host).toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    boolean clusterLocal = h.endsWith(CLUSTER_LOCAL);
    boolean clusterSet = h.endsWith(CLUSTERSET_LOCAL);
    if (!clusterLocal && !clusterSet) {
      return Optional.empty();
    }
    String prefix =
        h.substring(0, h.length() - (clusterLocal ? CLUSTER_LOCAL : CLUSTERSET_LOCAL).length());
    int dot = prefix.indexOf('.');
    if (dot <= 0 || dot != prefix.lastIndexOf('.') || dot == prefix.length() - 1) {
      return Optional.empty();
    }
    String name = prefix.substring(0, dot);
    String namespace = prefix.substring(dot + 1);
    Optional<Service> exact = lookup(snapshot, name, namespace);
    if (exact.isPresent()) {
      return Optional.of(
          new Destination(
              exact.get(), clusterLocal ? Optional.of(snapshot.cluster()) : Optional.empty()));
    }
    // svc-<cluster>: the longest suffix that names a cluster the service has endpoints in.
    for (int i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) {
      String base = name.substring(0, i);
      String cluster = name.substring(i + 1);
      Optional<Service> s = lookup(snapshot, base, namespace);
      if (s.isPresent() && hasCluster(s.get().endpoints(), cluster)) {
        return Optional.of(new Destination(s.get(), Optional.of(cluster)));
      }
    }
    return Optional.empty();
  }

  /** The endpoints allowed for this destination. */
  public List<Endpoint> endpoints() {
    return onlyCluster.map(service::endpointsIn).orElse(service.endpoints());
  }

  private static Optional<Service> lookup(ProxySnapshot snapshot, String name, String namespace) {
    try {
      return snapshot.service(new ServiceName(name, namespace));
    } catch (RuntimeException e) {
      return Optional.empty(); // not a valid name, so not a known service
    }
  }

  private static boolean hasCluster(List<Endpoint> endpoints, String cluster) {
    for (Endpoint e : endpoints) {
      if (e.locality().cluster().equals(cluster)) {
        return true;
      }
    }
    return false;
  }

  static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(0, end + 1);
    }
    int colon = host.lastIndexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }
}
