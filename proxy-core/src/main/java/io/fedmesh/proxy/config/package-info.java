/**
 * Configuration files: the static form of a proxy's configuration, a YAML file of {@code kind:
 * ProxyConfig} loaded into the same {@link io.fedmesh.proxy.model.ProxySnapshot} the controller's
 * push produces (standalone sidecars and gateways, and tests, use it); files of {@code kind:
 * FailoverPolicy} resources (see below); and {@code kind: Topology} files (what {@code fedmesh up}
 * runs, and the localities policies are checked against).
 *
 * <p>Public API: {@link io.fedmesh.proxy.config.ProxyConfigLoader} ({@code load(Path)}, {@code
 * parse(String, String)}), {@link io.fedmesh.proxy.config.ProxyConfigWatcher} (reloads a file when
 * it changes), {@link io.fedmesh.proxy.config.FailoverPolicies} ({@code load(Path,
 * KnownLocalities)}) with {@link io.fedmesh.proxy.config.FailoverPolicy}, {@link
 * io.fedmesh.proxy.config.KnownLocalities}, {@link io.fedmesh.proxy.config.TopologyLoader} (the
 * multi-cluster {@link io.fedmesh.proxy.config.Topology} {@code fedmesh up} runs, format in its
 * javadoc; its {@code localities()} are what policies are checked against), and the errors {@link
 * io.fedmesh.proxy.config.ConfigException} (one) and {@link io.fedmesh.proxy.config.ConfigErrors}
 * (all of a file). Depends on {@code io.fedmesh.proxy.model}, {@code io.fedmesh.trust.spiffe} and
 * SnakeYAML's node API (never its object binding).
 *
 * <h2>Format</h2>
 *
 * <pre>{@code
 * apiVersion: fedmesh.io/v1alpha1        # required, exactly this
 * kind: ProxyConfig                      # required, exactly this
 * version: 7                             # optional, default 1; an integer >= 0
 * cluster: us-east                       # required: this proxy's cluster
 * locality: {region: us-east, zone: us-east-1a}   # required: this proxy's region and zone
 * services:                              # optional, default none
 *   - name: reviews                      # required
 *     namespace: default                 # optional, default "default"
 *     ports:                             # required, at least one; unique names and numbers
 *       - {name: http, port: 9080, protocol: http}   # protocol: http, grpc or tcp
 *       - {name: db, port: 5432, protocol: tcp}     # raw TCP: its own outbound listener
 *     identities:                        # required: the SPIFFE IDs its workloads run as
 *       - spiffe://us-east.fedmesh.local/ns/default/sa/reviews
 *     exported: true                     # optional, default false
 *     endpoints:                         # optional, default none; ids unique in the service
 *       # in this proxy's cluster: cluster and region default to the proxy's
 *       # tcpPort: its sidecar's inbound TCP port, needed for the service's tcp ports
 *       - {id: reviews-1, host: 127.0.0.1, port: 15006, tcpPort: 15008, zone: us-east-1a}
 *       # in another cluster: region is required; sni when reached through its gateway
 *       - {id: us-west, host: 127.0.0.2, port: 15443, region: us-west, zone: us-west-1a,
 *          cluster: us-west, weight: 3, sni: reviews.default.9080.us-west.fedmesh}
 * policies:                              # optional; at most one per service, for a listed service
 *   - service: reviews                   # required
 *     namespace: default                 # optional, default "default"
 *     timeout: 3s
 *     retries: {attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, reset, connect-failure],
 *               retriableStatusCodes: [409], budgetPercent: 20, minRetriesPerSecond: 10}
 *     outlierDetection: {consecutive5xxErrors: 3, consecutiveGatewayErrors: 3, interval: 1s,
 *                        baseEjectionTime: 15s, maxEjectionPercent: 100}
 *     circuitBreaker: {maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024}
 *     healthCheck: {interval: 1s, timeout: 500ms, unhealthyThreshold: 2, healthyThreshold: 1,
 *                   path: /healthz}
 *     locality: {failoverPriority: [region, zone, cluster],
 *                failover: [{from: us-east, to: [us-west, eu-west]}],
 *                overprovisioningFactor: 1.4}
 * authorization:                         # optional, default: allow the mesh's peers
 *   defaultAction: ALLOW                 # ALLOW (default) or DENY
 *   rules:                               # checked DENY first; names unique
 *     - {name: deny-legacy, action: DENY, principals: ["spiffe://us-east.fedmesh.local/ns/legacy/*"]}
 *     - {name: allow-shop, action: ALLOW, namespaces: [shop], methods: [GET], pathPrefixes: [/api/]}
 * }</pre>
 *
 * <h3>Rules</h3>
 *
 * <ul>
 *   <li>Every field of a policy is optional and takes the model's default ({@code
 *       TrafficPolicy.DEFAULT} and its parts) field by field: {@code retries: {attempts: 1}} keeps
 *       the default per-try timeout, retry conditions and budget. A service without a policy gets
 *       every default.
 *   <li>Durations are a decimal number and a unit, {@code ms}, {@code s}, {@code m} or {@code h}
 *       ({@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}, also chained as {@code 1m30s}), at
 *       most millisecond precision and at most 24h.
 *   <li>{@code retryOn} holds {@code 5xx}, {@code reset}, {@code connect-failure} and {@code
 *       retriable-status-codes}; listing {@code retriableStatusCodes} turns on the last.
 *   <li>Integers are plain decimal ({@code "9080"} in quotes is a string, {@code 0x50} is refused);
 *       booleans are {@code true} or {@code false} ({@code yes}/{@code on} are refused); a string
 *       field takes what is written, so {@code region: no} is the region "no".
 *   <li>An endpoint's {@code cluster} defaults to the proxy's, and then its {@code region} must be
 *       the proxy's (given or not); an endpoint of another cluster must give its region. {@code
 *       sni} (only on endpoints of other clusters) must name this service, one of its ports and the
 *       endpoint's cluster. {@code weight} defaults to 1, {@code healthy} to true. {@code tcpPort}
 *       (1..65535, no default) is the endpoint sidecar's inbound TCP listener; an endpoint without
 *       one gets no connections to the service's {@code tcp} ports. It is refused on an endpoint
 *       with an {@code sni}: TCP to another cluster goes to its gateway with an SNI naming the TCP
 *       port, and that gateway uses its own endpoints' {@code tcpPort}.
 *   <li>Unknown fields, a key twice in one mapping, a service twice, a policy for a service not
 *       listed, tags ({@code !foo}, {@code !!java...}) and merge keys ({@code <<}) are errors.
 *       Anchors and aliases work, within the limits of {@link
 *       io.fedmesh.proxy.config.ProxyConfigLoader}.
 * </ul>
 *
 * <h2>FailoverPolicy</h2>
 *
 * <p>The same policy fields as a resource of its own, familiar to Istio users; a file may hold
 * several, separated by {@code ---}:
 *
 * <pre>{@code
 * apiVersion: fedmesh.io/v1alpha1        # required, exactly this
 * kind: FailoverPolicy                   # required, exactly this
 * metadata:
 *   name: reviews                        # required, a DNS label, unique in its namespace
 *   namespace: default                   # optional, default "default", a DNS label
 * spec:
 *   service: reviews                     # required: a service of the namespace; one policy each
 *   locality:
 *     failoverPriority: [region, zone, cluster]
 *     failover: [{from: us-east, to: [us-west, eu-west]}]
 *   outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 15s,
 *                      maxEjectionPercent: 100}
 *   retries: {attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, reset, connect-failure]}
 *   timeout: 3s
 *   circuitBreaker: {maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024}
 *   healthCheck: {interval: 1s, path: /healthz}
 * }</pre>
 *
 * <p>{@code spec} takes the fields of a ProxyConfig policy (above), read by the same code, with the
 * same defaults; {@code service} is a name in {@code metadata.namespace}. A file is loaded all or
 * nothing, and every error of every document is reported, in file order.
 *
 * <h3>Locality rules</h3>
 *
 * <ul>
 *   <li>{@code failoverPriority} lists {@code region}, {@code zone} and {@code cluster} (Istio's
 *       {@code topology.kubernetes.io/region}, {@code topology.kubernetes.io/zone} and {@code
 *       topology.istio.io/cluster} are accepted for them), each at most once, at least one;
 *       endpoints sharing all N labels with the caller come first, then those sharing the first
 *       N-1, and so on. A zone is matched within its region, and a cluster lies in one region, so
 *       {@code region}, when listed, comes first. The default is {@code [region, cluster, zone]}:
 *       the caller's zone and cluster, its cluster, its region.
 *   <li>{@code failover} orders the other regions, which come after the {@code failoverPriority}
 *       levels, for callers in region {@code from}; regions not listed follow in name order. So
 *       both fields may be given and do not conflict. Each {@code from} once; {@code to} at least
 *       one region, none twice, never {@code from} itself.
 *   <li>With a topology ({@link io.fedmesh.proxy.config.KnownLocalities}, such as {@code fedmesh
 *       policy validate --topology}), {@code from} and {@code to} must be regions of it; a cluster
 *       or zone name there is named as such. Without one, any DNS label is accepted.
 *   <li>Two documents with the same {@code metadata.name}, or for the same service, in one
 *       namespace are an error.
 * </ul>
 *
 * <h3>Errors</h3>
 *
 * <p>Every error is a {@link io.fedmesh.proxy.config.ConfigException} whose message reads {@code
 * file:line:col: path: value (expected: what is allowed)}, for example:
 *
 * <pre>
 * us-east-frontend.yaml:14:47: services[0].endpoints[1].prot: unknown field (did you mean 'port'?
 *     expected in services[0].endpoints[1]: one of id, host, port, region, zone, cluster, weight,
 *     healthy, sni, tcpPort)
 * us-east-frontend.yaml:21:14: policies[0].timeout: '3' has no unit (expected: a duration such as
 *     500ms, 1.5s, 2m or 1h)
 * </pre>
 */
package io.fedmesh.proxy.config;
