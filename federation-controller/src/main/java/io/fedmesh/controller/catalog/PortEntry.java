package io.fedmesh.controller.catalog;

/**
 * A service port as the catalog holds it.
 *
 * @param name the port's name, e.g. {@code http}
 * @param port the port number the service is called on
 * @param protocol {@code http}, {@code grpc} or {@code tcp}
 */
public record PortEntry(String name, int port, String protocol) {}
