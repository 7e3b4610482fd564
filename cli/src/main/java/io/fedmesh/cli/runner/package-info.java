/**
 * The local runner behind {@code fedmesh up}: the state directory a run lives in ({@link
 * io.fedmesh.cli.runner.StateDir}), one OS process per cluster ({@link
 * io.fedmesh.cli.runner.ClusterProcess}: east-west gateway, demo workloads with their sidecars, and
 * a control endpoint), the demo apps ({@link io.fedmesh.cli.runner.DemoApps}), and the client the
 * CLI commands use to talk to a running cluster ({@link io.fedmesh.cli.runner.ControlClient}).
 *
 * <p>The control endpoint is HTTPS with mutual TLS on loopback: the cluster process presents {@code
 * spiffe://<td>/ns/fedmesh-system/sa/cluster-runner} and serves only the operator identity {@code
 * spiffe://<td>/ns/fedmesh-system/sa/operator} that {@code fedmesh up} writes (mode 0600) into the
 * state directory; anyone else gets 403. It plays the platform's part: it starts and stops demo
 * replicas ({@code fedmesh scale}) and reports what runs ({@code fedmesh status}).
 *
 * <p>May depend on the sidecar, gateway, proxy-core and trust-bundle modules and on Vert.x core and
 * Jackson; never on {@code io.fedmesh.cli} (the commands depend on this package, not the other way
 * round).
 */
package io.fedmesh.cli.runner;
