package io.fedmesh.proxy.push;

import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;

/**
 * The SPIFFE IDs of fedmesh's own parts in a trust domain, all in namespace {@value #NAMESPACE}:
 * the controller ({@code sa/controller}), the east-west gateway ({@code sa/east-west-gateway}) and
 * the operator the CLI acts as ({@code sa/operator}). Proxies authorize the controller by this ID;
 * the controller authorizes gateways and the operator by it.
 */
public final class SystemIdentities {
  /** The namespace of fedmesh's own parts. */
  public static final String NAMESPACE = "fedmesh-system";

  /** Service account of the federation controller. */
  public static final String CONTROLLER = "controller";

  /** Service account of the east-west gateway. */
  public static final String GATEWAY = "east-west-gateway";

  /** Service account of the operator (the CLI, {@code fedmesh up}). */
  public static final String OPERATOR = "operator";

  private SystemIdentities() {}

  /** {@code spiffe://<td>/ns/fedmesh-system/sa/controller}. */
  public static SpiffeId controller(TrustDomain domain) {
    return of(domain, CONTROLLER);
  }

  /** {@code spiffe://<td>/ns/fedmesh-system/sa/east-west-gateway}. */
  public static SpiffeId gateway(TrustDomain domain) {
    return of(domain, GATEWAY);
  }

  /** {@code spiffe://<td>/ns/fedmesh-system/sa/operator}. */
  public static SpiffeId operator(TrustDomain domain) {
    return of(domain, OPERATOR);
  }

  private static SpiffeId of(TrustDomain domain, String serviceAccount) {
    return domain.workload(NAMESPACE, serviceAccount);
  }
}
