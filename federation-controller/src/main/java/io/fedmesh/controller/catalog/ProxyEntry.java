package io.fedmesh.controller.catalog;

/**
 * A proxy connected (or last connected) to this cluster's controllers, with its config state.
 *
 * @param proxyId the proxy's id
 * @param kind {@code sidecar} or {@code gateway}
 * @param namespace its workload's namespace (sidecars)
 * @param workload its workload's service (sidecars)
 * @param region its region
 * @param zone its zone
 * @param replica the controller replica serving its stream, or empty when disconnected
 * @param ackedVersion the last version it ACKed
 * @param nackedVersion the last version it NACKed, or empty
 * @param nackDetail the proxy's reason for that NACK, or empty
 * @param lastSeenMillis when it last sent anything (epoch millis)
 */
public record ProxyEntry(
    String proxyId,
    String kind,
    String namespace,
    String workload,
    String region,
    String zone,
    String replica,
    String ackedVersion,
    String nackedVersion,
    String nackDetail,
    long lastSeenMillis) {}
