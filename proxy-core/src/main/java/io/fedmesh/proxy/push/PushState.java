package io.fedmesh.proxy.push;

/**
 * What a proxy's push client holds now, for its admin {@code /config} output.
 *
 * @param connected whether a stream to a controller is open
 * @param replica the controller address of the open (or last) stream, {@code host:port}
 * @param version the version of the snapshot in use (last ACKed), or empty before the first
 * @param lastNackVersion the last version NACKed, or empty
 * @param lastNack the reason of that NACK, or empty
 * @param reconnects streams opened after the first
 */
public record PushState(
    boolean connected,
    String replica,
    String version,
    String lastNackVersion,
    String lastNack,
    long reconnects) {}
