/**
 * The local runner behind {@code fedmesh up}: the state directory a run lives in ({@link
 * io.fedmesh.cli.runner.StateDir}), one OS process per cluster ({@link
 * io.fedmesh.cli.runner.ClusterProcess}), the demo apps ({@link io.fedmesh.cli.runner.DemoApps}),
 * and the clients the CLI commands use: {@link io.fedmesh.cli.runner.AdminCalls} for the
 * controllers' admin API, {@link io.fedmesh.cli.runner.ControlClient} for the cluster process's own
 * control endpoint.
 *
 * <h2>A cluster process</h2>
 *
 * <ul>
 *   <li>its controller replicas ({@code ControlPlane}): {@code FederationController}s, each its own
 *       Hazelcast member on loopback ports picked in advance, with peering, gateway probing and the
 *       service mirror installed; the cluster CA loaded from the state directory;
 *   <li>the platform's part, played through the admin API as the operator: services and each
 *       replica's sidecar inbound registered in the catalog, one join token per proxy;
 *   <li>proxies enrolled as anywhere else ({@code ProxyControl}): SVID from the CA service with the
 *       join token (the cluster's bundle pinned from the state directory), renewal over mTLS,
 *       config by the push stream from any replica;
 *   <li>the east-west gateway (data port and mTLS health port fixed before the controllers start,
 *       since peering tokens carry them) and the demo replicas with their sidecars;
 *   <li>the control endpoint ({@code ControlServer}): HTTPS with mutual TLS on loopback, presenting
 *       {@code spiffe://<td>/ns/fedmesh-system/sa/cluster-runner} and serving only the operator
 *       identity {@code spiffe://<td>/ns/fedmesh-system/sa/operator} that {@code fedmesh up} writes
 *       (mode 0600) into the state directory: what runs ({@code fedmesh status}'s platform part),
 *       {@code fedmesh scale}, {@code fedmesh chaos kill-controller}.
 * </ul>
 *
 * <p>Links and policies are not the process's business: the CLI asks the controllers' admin API
 * directly (peering tokens, {@code /v1/links}, {@code /v1/policies}).
 *
 * <p>May depend on the controller, service-mirror, sidecar, gateway, proxy-core, api and
 * trust-bundle modules, Vert.x core and Jackson; never on {@code io.fedmesh.cli} (the commands
 * depend on this package, not the other way round).
 */
package io.fedmesh.cli.runner;
