/**
 * The controller's admin API: HTTPS + JSON on the mTLS listener, for the operator identity {@code
 * spiffe://<td>/ns/fedmesh-system/sa/operator} only (any other verified peer gets 403), and {@link
 * io.fedmesh.controller.admin.ControllerAdminClient}, the client the CLI and the local runner use.
 *
 * <h2>Routes and shapes</h2>
 *
 * <ul>
 *   <li>{@code GET /v1/status} → {@code {cluster, trustDomain, replicaId (the one answering),
 *       nowMillis (its clock, for skew checks), replicas: [{replicaId, memberAddress, host,
 *       mtlsPort, bootstrapPort, leader}], gateways: [{cluster, host, port, healthy, load,
 *       changedAtMillis, detail}], links: [{cluster, trustDomain, gatewayHost, gatewayPort, dialer,
 *       state, sinceMillis, detail}], services: [service summary], imports: [{cluster, namespace,
 *       name, ports, identities, localities: [{region, zone, healthy, total}], reachable}],
 *       proxies: [{proxyId, kind, namespace, workload, region, zone, replica, ackedVersion,
 *       nackedVersion, nackDetail, lastSeenMillis}]}}
 *   <li>{@code GET /v1/services} → {@code [{namespace, name, exported, ports: [{name, port,
 *       protocol}], identities, localities: [{region, zone, healthy, total}]}]}
 *   <li>{@code GET /v1/gateways} → {@code [gateway]} as in status
 *   <li>{@code POST /v1/join-tokens} {@code {spiffeId, uses?: 1..1000 (1), ttl?: "90s"|"30m"|"1h"|
 *       "2d" (1h, at most 30d)}} → 201 {@code {token, spiffeId, uses, expiresAt}}
 *   <li>{@code PUT /v1/services/{ns}/{name}} {@code {ports: [{name, port, protocol?: http|grpc|tcp
 *       (http)}], identities?: [SPIFFE ID], exported?: false}} → 200 with the stored entry
 *   <li>{@code DELETE /v1/services/{ns}/{name}} → 204 (with its endpoints), 404 if absent
 *   <li>{@code PUT /v1/endpoints/{ns}/{svc}/{id}} {@code {host, port, region, zone, weight?:
 *       1..10000 (1), healthy?: true, tcpPort?: 0..65535 (0: no raw TCP)}} → 200 with the stored
 *       entry; 404 if the service is absent
 *   <li>{@code DELETE /v1/endpoints/{ns}/{svc}/{id}} → 204, 404 if absent
 *   <li>{@code POST /v1/policies} {@code {source, yaml}} → 200 {@code {applied: [{namespace,
 *       service, name}]}}, all the file's FailoverPolicy documents or none (400 with every error);
 *       {@code GET /v1/policies} → {@code [{namespace, service, source, body}]} (see PolicyAdmin)
 * </ul>
 *
 * <p>Errors: {@code {"error": "<field>: <value> (expected: <what is allowed>)"}} with 400 (bad
 * input: unknown fields, wrong types, out-of-range values, names that are not DNS labels), 403 (not
 * the operator), 404 (unknown route or entry), 413 (body over 64 KiB), 500 (catalog unavailable).
 *
 * <p>Depends on the controller's hooks, the catalog, the CA package's join tokens, proxy-core's
 * model names and Vert.x web.
 */
package io.fedmesh.controller.admin;
