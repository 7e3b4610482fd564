package io.fedmesh.controller.peering;

import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.util.Objects;

/**
 * How this cluster presents itself to linked clusters: its name and trust domain, and where its
 * controller is reached from outside (its east-west gateway, plus the controller's port numbers
 * that go into the SNI {@code fedmesh-controller.fedmesh-system.<port>.<cluster>.fedmesh}).
 *
 * @param cluster this cluster's name
 * @param trustDomain this cluster's trust domain
 * @param gatewayHost the east-west gateway's address as other clusters reach it
 * @param gatewayPort the gateway's mTLS data port
 * @param gatewayHealthPort the gateway's mTLS {@code /health} port (linked clusters probe it)
 * @param bootstrapPort the controller's bootstrap port (server-authenticated TLS)
 * @param peeringPort the controller's mTLS port
 */
public record LocalCluster(
    String cluster,
    TrustDomain trustDomain,
    String gatewayHost,
    int gatewayPort,
    int gatewayHealthPort,
    int bootstrapPort,
    int peeringPort) {
  /** Namespace of the controller's own service and identity. */
  public static final String SYSTEM_NAMESPACE = "fedmesh-system";

  /** Name of the service the controller registers so gateways route to it. */
  public static final String CONTROLLER_SERVICE = "fedmesh-controller";

  /** Service account of the controller's SVID. */
  public static final String CONTROLLER_ACCOUNT = "controller";

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

  /** The controller SPIFFE ID of trust domain {@code domain}. */
  public static SpiffeId controllerId(TrustDomain domain) {
    return domain.workload(SYSTEM_NAMESPACE, CONTROLLER_ACCOUNT);
  }

  /** The SNI that reaches {@code cluster}'s controller on {@code port} through its gateway. */
  public static String controllerSni(String cluster, int port) {
    return CONTROLLER_SERVICE + "." + SYSTEM_NAMESPACE + "." + port + "." + cluster + ".fedmesh";
  }
}
