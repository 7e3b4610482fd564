/**
 * The service mirror ({@link io.fedmesh.mirror.ServiceMirror}): turns the export sets linked
 * clusters stream to this cluster (stored by peering as {@code RemoteExports}) into the catalog's
 * {@code ImportEntry} records, from which the push builds {@code svc-<cluster>} (that cluster only)
 * and the clusterset-wide {@code svc} (this cluster and every cluster importing cleanly).
 *
 * <h2>Shape</h2>
 *
 * <p>Like Linkerd's service mirror: catalog callbacks (Hazelcast threads, never blocked) become
 * {@link io.fedmesh.mirror.MirrorEvent}s — {@code RemoteServiceExported}, {@code
 * RemoteServiceUnexported}, {@code ClusterUnlinked}, {@code LinkLost}, {@code LinkRecovered},
 * {@code LocalServiceChanged}, {@code Resync} — handled one at a time by one loop thread. Each
 * handler re-decides the imports of the service names it touches from the catalog as it is (so
 * handling is idempotent and any replica that becomes leader converges). A Hazelcast error requeues
 * the event up to three times; anything else is logged and left to the next resync. A resync runs
 * at start and every resync interval: it re-decides every name and deletes orphans (imports of
 * clusters no longer linked, or no longer exported). Only the leader replica writes.
 *
 * <h2>Rules for one service name {@code ns/svc}</h2>
 *
 * <ul>
 *   <li>Each linked cluster exporting {@code ns/svc} is imported, clusters in name order, unless:
 *   <li>its export is malformed (name or namespace not a DNS label, no ports, a bad port or
 *       protocol, healthy above total): condition {@code InvalidExport};
 *   <li>a local service {@code ns/svc-<cluster>} exists: it would hide the import's per-cluster
 *       name ({@code svc-<cluster>.ns.svc.clusterset.local}): condition {@code NameClash};
 *   <li>its ports are incompatible with the local {@code ns/svc}, or (without a local one) with the
 *       first cluster imported for that name — a port number with two protocols, or a port name
 *       with two numbers: condition {@code PortClash}. It is not imported at all, so the
 *       clusterset-wide name never silently merges incompatible services.
 * </ul>
 *
 * <p>Conditions are kept in the catalog state map {@code mirror-conditions} ({@link
 * io.fedmesh.mirror.MirrorCondition}) until the clash is gone, logged as a warning when they appear
 * and counted in {@code fedmesh.mirror.clashes}.
 *
 * <h2>Reachability</h2>
 *
 * <p>An import is {@code reachable} unless its cluster's link has been {@code lost} (peering stream
 * broken) or its gateway unhealthy (gateway health probes) for longer than the bound (default 3 s;
 * counted from the earlier of the two timestamps); it turns reachable again when both recover. The
 * push routes around unhealthy gateways at once; the bound keeps a stream that blips from flapping
 * every import. On unlink the imports are removed.
 *
 * <p>Depends on federation-controller's catalog and peering's {@code RemoteExports} (never the
 * reverse: the controller knows nothing of the mirror; the runner installs it), Hazelcast
 * listeners, Micrometer; {@code io.fedmesh.mirror.kubernetes} adds fabric8.
 */
package io.fedmesh.mirror;
