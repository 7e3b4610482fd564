package io.fedmesh.proxy.model;

/** A service's name and namespace, as Kubernetes has them. */
public record ServiceName(String name, String namespace) implements Comparable<ServiceName> {
  public ServiceName {
    Names.checkLabel("service.name", name);
    Names.checkLabel("service.namespace", namespace);
  }

  /** {@code name.namespace.svc.cluster.local}: this cluster's copy only. */
  public String clusterLocalHost() {
    return name + "." + namespace + ".svc.cluster.local";
  }

  /** {@code name.namespace.svc.clusterset.local}: every cluster that exports it. */
  public String clusterSetHost() {
    return name + "." + namespace + ".svc.clusterset.local";
  }

  @Override
  public int compareTo(ServiceName o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
