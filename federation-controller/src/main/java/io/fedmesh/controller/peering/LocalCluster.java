package io.fedmesh.controller.peering;

import io.fedmesh.controller.FederationController;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.util.Objects;

/**
 * How this cluster presents itself to linked clusters: its name and trust domain, and where its
 * controllers are reached from outside: its east-west gateway, and the service port numbers the
 * SNIs name ({@code fedmesh-controller-bootstrap.fedmesh-system.<bootstrapPort>.<cluster>.fedmesh}
 * for redeeming a token, {@code fedmesh-controller.fedmesh-system.<peeringPort>.<cluster>.fedmesh}
 * for the peering stream; the gateway maps each to a replica's listener).
 *
 * @param cluster this cluster's name
 * @param trustDomain this cluster's trust domain
 * @param gatewayHost the east-west gateway's address as other clusters reach it
 * @param gatewayPort the gateway's mTLS data port
 * @param gatewayHealthPort the gateway's mTLS {@code /health} port (linked clusters probe it)
 * @param bootstrapPort the port number of {@value FederationController#BOOTSTRAP_SERVICE}
 * @param peeringPort the port number of {@value FederationController#PEERING_SERVICE}
 */
public record LocalCluster(
    String cluster,
    TrustDomain trustDomain,
    String gatewayHost,
    int gatewayPort,
    int gatewayHealthPort,
    int bootstrapPort,
    int peeringPort) {

  public LocalCluster {
    Names.checkCluster("cluster", cluster);
    Objects.requireNonNull(trustDomain, "trustDomain");
    if (gatewayHost == null || gatewayHost.isBlank()) {
      throw PeeringException.invalid("gatewayHost: missing");
    }
    Names.checkPort("gatewayPort", gatewayPort);
    Names.checkPort("gatewayHealthPort", gatewayHealthPort);
    Names.checkPort("bootstrapPort", bootstrapPort);
    Names.checkPort("peeringPort", peeringPort);
  }

  /** This cluster behind its gateway, with the controller's standard service ports. */
  public static LocalCluster of(
      String cluster,
      TrustDomain trustDomain,
      String gatewayHost,
      int gatewayPort,
      int gatewayHealthPort) {
    return new LocalCluster(
        cluster,
        trustDomain,
        gatewayHost,
        gatewayPort,
        gatewayHealthPort,
        FederationController.BOOTSTRAP_SERVICE_PORT,
        FederationController.PEERING_SERVICE_PORT);
  }

  /** The SNI that reaches {@code cluster}'s controllers' mTLS listeners through its gateway. */
  static String peeringSni(String cluster, int port) {
    return sni(FederationController.PEERING_SERVICE, cluster, port);
  }

  /**
   * The SNI that reaches {@code cluster}'s controllers' bootstrap listeners through its gateway.
   */
  static String bootstrapSni(String cluster, int port) {
    return sni(FederationController.BOOTSTRAP_SERVICE, cluster, port);
  }

  private static String sni(String service, String cluster, int port) {
    return service + "." + SystemIdentities.NAMESPACE + "." + port + "." + cluster + ".fedmesh";
  }
}
