package io.fedmesh.proxy.model;

/** A named port of a service and what it speaks. */
public record ServicePort(String name, int port, Protocol protocol) {
  public ServicePort {
    Names.checkLabel("port.name", name);
    Names.checkPort("port.port", port);
    if (protocol == null) {
      throw new ModelException("port.protocol: missing (expected: http, grpc or tcp)");
    }
  }
}
