/**
 * Routing of one proxy's outbound requests: locality-first load balancing with ordered failover
 * ({@link io.fedmesh.proxy.routing.PriorityLevels}, {@link
 * io.fedmesh.proxy.routing.LocalityLoadBalancer}), endpoint health ({@link
 * io.fedmesh.proxy.routing.ActiveHealthChecker}, {@link io.fedmesh.proxy.routing.OutlierDetector}),
 * retries ({@link io.fedmesh.proxy.routing.RetryDecision}, {@link
 * io.fedmesh.proxy.routing.RetryBudget}) and circuit breaking ({@link
 * io.fedmesh.proxy.routing.CircuitBreakerGate}).
 *
 * <p>Pure logic: no sockets, no threads, no blocking, no meters. Probing endpoints, scheduling the
 * outlier interval tick and registering meters are the proxy's work; this package reports state
 * changes through listeners and accessors. Time is read from an injected monotonic {@code
 * LongSupplier} of nanoseconds (immune to wall-clock steps and skew) and randomness from an
 * injected {@link java.util.random.RandomGenerator}, so tests are deterministic. Every type here is
 * safe to use from several Vert.x event loops at once; the request path (pick, complete, acquire,
 * retry decisions) takes no lock on the common case and allocates at most one small object.
 *
 * <p>Depends on {@code io.fedmesh.proxy.model} and the JDK only.
 */
package io.fedmesh.proxy.routing;
