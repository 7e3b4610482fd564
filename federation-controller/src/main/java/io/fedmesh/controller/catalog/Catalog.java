package io.fedmesh.controller.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One cluster's catalog: services, endpoints, gateways, links, imports, trust bundles, policies and
 * proxies, in Hazelcast maps shared by every controller replica of the cluster. Any replica reads
 * and writes it; each entry has a synchronous backup on another replica ({@link CatalogMember}).
 *
 * <p>Values are stored as JSON text (one Jackson mapping, unknown fields ignored so replicas of
 * neighbouring versions can share a catalog). Reads return immutable records; callers never hold
 * Hazelcast objects. Only the controller writes the catalog: proxies read it through the push.
 *
 * <p>{@link #onChange} reports every add, update and removal on any replica, on a Hazelcast event
 * thread: listeners must not block (hand work to an event loop or an executor).
 */
public final class Catalog {
  /** Map names; each starts with {@code fedmesh.} so {@link CatalogMember}'s map config applies. */
  public static final String SERVICES = "fedmesh.services";

  public static final String ENDPOINTS = "fedmesh.endpoints";
  public static final String GATEWAYS = "fedmesh.gateways";
  public static final String LINKS = "fedmesh.links";
  public static final String IMPORTS = "fedmesh.imports";
  public static final String POLICIES = "fedmesh.policies";
  public static final String BUNDLES = "fedmesh.bundles";
  public static final String PROXIES = "fedmesh.proxies";

  private static final List<String> WATCHED =
      List.of(SERVICES, ENDPOINTS, GATEWAYS, LINKS, IMPORTS, POLICIES, BUNDLES, PROXIES);

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final HazelcastInstance hazelcast;

  private Catalog(HazelcastInstance hazelcast) {
    this.hazelcast = Objects.requireNonNull(hazelcast, "hazelcast");
  }

  /** The catalog held by the Hazelcast cluster {@code member} belongs to. */
  public static Catalog of(HazelcastInstance member) {
    return new Catalog(member);
  }

  /**
   * Whether every catalog entry has its backup on another replica now (no partition migrating).
   * Losing one replica loses nothing only while this holds: after a replica joins or leaves,
   * entries migrate for a moment.
   */
  public boolean isSafe() {
    return hazelcast.getPartitionService().isClusterSafe();
  }

  /** The key of a service: {@code namespace/name}. */
  public static String serviceKey(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** One change: which map, which key. */
  public record Change(String map, String key) {}

  /**
   * Calls {@code listener} for every change to the catalog's maps, made by any replica.
   *
   * @return a handle for {@link #removeListener}
   */
  public List<UUID> onChange(Consumer<Change> listener) {
    Objects.requireNonNull(listener, "listener");
    List<UUID> ids = new ArrayList<>();
    for (String name : WATCHED) {
      ids.add(raw(name).addEntryListener(new Forwarder(name, listener), false));
    }
    return List.copyOf(ids);
  }

  /** Stops a listener added by {@link #onChange}. */
  public void removeListener(List<UUID> handle) {
    for (int i = 0; i < handle.size() && i < WATCHED.size(); i++) {
      raw(WATCHED.get(i)).removeEntryListener(handle.get(i));
    }
  }

  // ---- services and endpoints --------------------------------------------------------------

  public void putService(ServiceEntry service) {
    put(SERVICES, service.key(), service);
  }

  public Optional<ServiceEntry> service(String namespace, String name) {
    return get(SERVICES, serviceKey(namespace, name), ServiceEntry.class);
  }

  public List<ServiceEntry> services() {
    return values(SERVICES, ServiceEntry.class, Comparator.comparing(ServiceEntry::key));
  }

  /** Removes a service and every endpoint of it. */
  public void removeService(String namespace, String name) {
    String key = serviceKey(namespace, name);
    for (EndpointEntry e : endpoints(namespace, name)) {
      raw(ENDPOINTS).delete(e.key());
    }
    raw(SERVICES).delete(key);
  }

  public void putEndpoint(EndpointEntry endpoint) {
    put(ENDPOINTS, endpoint.key(), endpoint);
  }

  public void removeEndpoint(String namespace, String service, String id) {
    raw(ENDPOINTS).delete(serviceKey(namespace, service) + "/" + id);
  }

  /** The endpoints of one service, by id. */
  public List<EndpointEntry> endpoints(String namespace, String service) {
    String prefix = serviceKey(namespace, service) + "/";
    return endpoints().stream().filter(e -> e.key().startsWith(prefix)).toList();
  }

  /** Every endpoint of every local service. */
  public List<EndpointEntry> endpoints() {
    return values(ENDPOINTS, EndpointEntry.class, Comparator.comparing(EndpointEntry::key));
  }

  // ---- gateways, links, imports ---------------------------------------------------------------

  public void putGateway(GatewayEntry gateway) {
    put(GATEWAYS, gateway.cluster(), gateway);
  }

  public Optional<GatewayEntry> gateway(String cluster) {
    return get(GATEWAYS, cluster, GatewayEntry.class);
  }

  public List<GatewayEntry> gateways() {
    return values(GATEWAYS, GatewayEntry.class, Comparator.comparing(GatewayEntry::cluster));
  }

  public void removeGateway(String cluster) {
    raw(GATEWAYS).delete(cluster);
  }

  public void putLink(LinkEntry link) {
    put(LINKS, link.cluster(), link);
  }

  /**
   * Replaces the link to {@code link.cluster()} only if there still is one: a state change racing
   * an unlink must not bring the link back.
   *
   * @return whether it was replaced
   */
  public boolean updateLink(LinkEntry link) {
    return raw(LINKS).replace(link.cluster(), encode(link)) != null;
  }

  public Optional<LinkEntry> link(String cluster) {
    return get(LINKS, cluster, LinkEntry.class);
  }

  public List<LinkEntry> links() {
    return values(LINKS, LinkEntry.class, Comparator.comparing(LinkEntry::cluster));
  }

  public void removeLink(String cluster) {
    raw(LINKS).delete(cluster);
  }

  public void putImport(ImportEntry imported) {
    put(IMPORTS, imported.key(), imported);
  }

  public void removeImport(ImportEntry imported) {
    raw(IMPORTS).delete(imported.key());
  }

  public List<ImportEntry> imports() {
    return values(IMPORTS, ImportEntry.class, Comparator.comparing(ImportEntry::key));
  }

  /** The imports from one linked cluster. */
  public List<ImportEntry> imports(String cluster) {
    return imports().stream().filter(i -> i.cluster().equals(cluster)).toList();
  }

  // ---- policies ---------------------------------------------------------------------------------

  /** Stores policies in one call (validate them all before: this writes each entry). */
  public void putPolicies(Collection<PolicyEntry> policies) {
    for (PolicyEntry p : policies) {
      put(POLICIES, p.key(), p);
    }
  }

  public Optional<PolicyEntry> policy(String namespace, String service) {
    return get(POLICIES, serviceKey(namespace, service), PolicyEntry.class);
  }

  public List<PolicyEntry> policies() {
    return values(POLICIES, PolicyEntry.class, Comparator.comparing(PolicyEntry::key));
  }

  public void removePolicy(String namespace, String service) {
    raw(POLICIES).delete(serviceKey(namespace, service));
  }

  // ---- trust bundles ----------------------------------------------------------------------------

  /**
   * Stores a trust domain's bundle unless the catalog already holds a newer one (SPIFFE bundle
   * sequence numbers only move forward).
   *
   * @return true if stored, false if the held bundle has a higher or equal sequence and differs
   */
  public boolean putBundle(TrustBundle bundle) {
    IMap<String, String> map = raw(BUNDLES);
    String key = bundle.trustDomain().name();
    String json = BundleCodec.toJson(bundle);
    while (true) {
      String held = map.putIfAbsent(key, json);
      if (held == null) {
        return true;
      }
      if (held.equals(json)) {
        return true;
      }
      TrustBundle current = BundleCodec.parse(bundle.trustDomain(), held, "catalog " + BUNDLES);
      if (current.sequence() >= bundle.sequence()) {
        return false;
      }
      if (map.replace(key, held, json)) {
        return true;
      }
    }
  }

  public Optional<TrustBundle> bundle(TrustDomain domain) {
    String held = raw(BUNDLES).get(domain.name());
    return Optional.ofNullable(held)
        .map(json -> BundleCodec.parse(domain, json, "catalog " + BUNDLES));
  }

  /** Every trust bundle: this cluster's and each federated one's. */
  public List<TrustBundle> bundles() {
    List<TrustBundle> out = new ArrayList<>();
    for (Map.Entry<String, String> e : raw(BUNDLES).entrySet()) {
      out.add(BundleCodec.parse(TrustDomain.of(e.getKey()), e.getValue(), "catalog " + BUNDLES));
    }
    out.sort(Comparator.comparing(TrustBundle::trustDomain));
    return List.copyOf(out);
  }

  public void removeBundle(TrustDomain domain) {
    raw(BUNDLES).delete(domain.name());
  }

  // ---- proxies ----------------------------------------------------------------------------------

  public void putProxy(ProxyEntry proxy) {
    put(PROXIES, proxy.proxyId(), proxy);
  }

  public Optional<ProxyEntry> proxy(String proxyId) {
    return get(PROXIES, proxyId, ProxyEntry.class);
  }

  public List<ProxyEntry> proxies() {
    return values(PROXIES, ProxyEntry.class, Comparator.comparing(ProxyEntry::proxyId));
  }

  public void removeProxy(String proxyId) {
    raw(PROXIES).delete(proxyId);
  }

  // ---- storage
  // ------------------------------------------------------------------------------------

  /**
   * A map of this catalog for a component's own state (join tokens, peering tokens, SVID expiries),
   * named {@code fedmesh.<name>} so it gets the catalog's backups. Values are JSON text; use {@link
   * #encode} and {@link #decode}.
   */
  public IMap<String, String> state(String name) {
    if (!name.matches("[a-z][a-z0-9-]*")) {
      throw new IllegalArgumentException(
          "state map name: '" + name + "' (expected: [a-z][a-z0-9-]*)");
    }
    return raw("fedmesh." + name);
  }

  /** The JSON text of a catalog value. */
  public static String encode(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  /** A catalog value from its JSON text. */
  public static <T> T decode(String json, Class<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "catalog holds an unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * One entry of one of the catalog's maps ({@link #SERVICES}, {@link #ENDPOINTS}, ...) by its key,
   * as a {@link Change} names it; empty when it is gone.
   */
  public <T> Optional<T> entry(String map, String key, Class<T> type) {
    if (!WATCHED.contains(map)) {
      throw new IllegalArgumentException("map: '" + map + "' (expected one of: " + WATCHED + ")");
    }
    return get(map, key, type);
  }

  /** The JSON text of one trust bundle by trust domain name, as stored; empty when absent. */
  public Optional<String> bundleJson(String trustDomain) {
    return Optional.ofNullable(raw(BUNDLES).get(trustDomain));
  }

  private IMap<String, String> raw(String name) {
    return hazelcast.getMap(name);
  }

  private void put(String map, String key, Object value) {
    raw(map).set(key, encode(value));
  }

  private <T> Optional<T> get(String map, String key, Class<T> type) {
    return Optional.ofNullable(raw(map).get(key)).map(json -> decode(json, type));
  }

  private <T> List<T> values(String map, Class<T> type, Comparator<T> order) {
    List<T> out = new ArrayList<>();
    for (String json : raw(map).values()) {
      out.add(decode(json, type));
    }
    out.sort(order);
    return List.copyOf(out);
  }

  private record Forwarder(String map, Consumer<Change> listener)
      implements EntryAddedListener<String, String>,
          EntryUpdatedListener<String, String>,
          EntryRemovedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      listener.accept(new Change(map, event.getKey()));
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      listener.accept(new Change(map, event.getKey()));
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      listener.accept(new Change(map, event.getKey()));
    }
  }
}
