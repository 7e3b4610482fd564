package io.fedmesh.controller.catalog;

/**
 * A link to another cluster.
 *
 * @param cluster the linked cluster's name
 * @param trustDomain its trust domain
 * @param gatewayHost its east-west gateway's address
 * @param gatewayPort its east-west gateway's port
 * @param dialer true when this side dials the peering stream, false when it accepts it
 * @param state {@code pending}, {@code connected}, {@code lost} or {@code failed}
 * @param sinceMillis when {@code state} was entered (epoch millis)
 * @param detail the reason for {@code lost}/{@code failed}, or empty
 */
public record LinkEntry(
    String cluster,
    String trustDomain,
    String gatewayHost,
    int gatewayPort,
    boolean dialer,
    String state,
    long sinceMillis,
    String detail) {}
