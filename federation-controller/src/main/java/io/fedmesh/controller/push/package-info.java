/**
 * The push of proxy configuration: {@link io.fedmesh.controller.push.ProxyPush} serves {@code
 * fedmesh.v1.ProxyDiscovery/Stream} on the controller's mTLS listener, from a per-replica mirror of
 * the catalog.
 *
 * <h2>What a proxy gets</h2>
 *
 * <p>Resources are JSON in the ProxyConfig schema (proxy-core {@code io.fedmesh.proxy.config}), so
 * the proxy validates a push with the same reader as a file:
 *
 * <ul>
 *   <li>sidecars: one {@code RESOURCE_TYPE_SERVICE} per service name ({@code ns/name}): the local
 *       service's endpoints (sidecar inbound addresses, region implied) merged with every linked
 *       cluster's import of the same name, one endpoint per remote locality at that cluster's
 *       gateway (id {@code <cluster>-<zone>}, weight = healthy count, healthy only when the
 *       locality has healthy endpoints, the gateway is healthy and the import is reachable, SNI
 *       {@code <svc>.<ns>.<port>.<cluster>.fedmesh} with the import's first port). The sidecar's
 *       resolver serves {@code svc.ns.svc.cluster.local} (local endpoints), {@code
 *       svc.ns.svc.clusterset.local} (all) and {@code svc-<cluster>.ns...} (that cluster) from this
 *       one resource. Plus {@code RESOURCE_TYPE_POLICY} per policy of a listed service, and {@code
 *       RESOURCE_TYPE_TRUST_BUNDLE} per trust domain;
 *   <li>gateways: exported local services with local endpoints only, and the bundles.
 * </ul>
 *
 * <p>Depends on the controller's hooks, the catalog, the api stubs, proxy-core's system identities
 * and trust-bundle's SVID verifier.
 */
package io.fedmesh.controller.push;
