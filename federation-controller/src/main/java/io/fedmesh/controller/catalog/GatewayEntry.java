package io.fedmesh.controller.catalog;

/**
 * An east-west gateway: this cluster's own (key = this cluster) or a linked cluster's, as probed.
 *
 * @param cluster the gateway's cluster
 * @param host the address other clusters reach it on
 * @param port its mTLS port
 * @param healthy the last verdict (probe threshold applied)
 * @param load active connections / max connections, 0..1, as the gateway reports it
 * @param changedAtMillis when {@code healthy} last changed (epoch millis)
 * @param detail why it is unhealthy, or empty
 */
public record GatewayEntry(
    String cluster,
    String host,
    int port,
    boolean healthy,
    double load,
    long changedAtMillis,
    String detail) {}
