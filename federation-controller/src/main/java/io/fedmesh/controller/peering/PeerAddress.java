package io.fedmesh.controller.peering;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fedmesh.controller.catalog.Catalog;
import java.util.Optional;

/**
 * How this controller reaches a linked cluster: its gateway, the gateway's {@code /health} port,
 * and its controller's ports (for the SNI). Kept in the catalog's {@value #STATE_MAP} state map,
 * key = the linked cluster; gateway health reads the health address from here.
 *
 * @param cluster the linked cluster
 * @param trustDomain its trust domain
 * @param gatewayHost its gateway's address
 * @param gatewayPort its gateway's mTLS data port
 * @param gatewayHealthPort its gateway's mTLS health port, 0 while unknown
 * @param peeringPort its controller's mTLS port, 0 when this side does not dial
 */
public record PeerAddress(
    @JsonProperty("cluster") String cluster,
    @JsonProperty("trustDomain") String trustDomain,
    @JsonProperty("gatewayHost") String gatewayHost,
    @JsonProperty("gatewayPort") int gatewayPort,
    @JsonProperty("gatewayHealthPort") int gatewayHealthPort,
    @JsonProperty("peeringPort") int peeringPort) {
  /** The catalog state map holding linked clusters' addresses. */
  public static final String STATE_MAP = "peer-addresses";

  /** Where {@code cluster} is reached, if linked. */
  public static Optional<PeerAddress> of(Catalog catalog, String cluster) {
    return Optional.ofNullable(catalog.state(STATE_MAP).get(cluster))
        .map(json -> Catalog.decode(json, PeerAddress.class));
  }

  static void put(Catalog catalog, PeerAddress address) {
    catalog.state(STATE_MAP).set(address.cluster(), Catalog.encode(address));
  }

  static void remove(Catalog catalog, String cluster) {
    catalog.state(STATE_MAP).delete(cluster);
  }
}
