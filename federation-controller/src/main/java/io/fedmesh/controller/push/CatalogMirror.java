package io.fedmesh.controller.push;

import io.fedmesh.api.v1.Resource;
import io.fedmesh.api.v1.ResourceKey;
import io.fedmesh.api.v1.ResourceType;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.PolicyEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * This replica's in-memory copy of what the push needs from the catalog, and the resources built
 * from it. Changes are applied key by key (one Hazelcast read per changed key, never a full
 * re-read), and only the resources those keys feed are rebuilt; unchanged resources keep their
 * instance, so streams find what changed by identity. Used from one thread at a time.
 */
final class CatalogMirror {
  private final Catalog catalog;
  private final Map<String, ServiceEntry> services = new HashMap<>();
  private final Map<String, Map<String, EndpointEntry>> endpoints = new HashMap<>();
  private final Map<String, Map<String, ImportEntry>> imports = new HashMap<>();
  private final Map<String, GatewayEntry> gateways = new HashMap<>();
  private final Map<String, PolicyEntry> policies = new HashMap<>();
  private final Map<String, String> bundles = new HashMap<>();
  private View view = View.EMPTY;

  CatalogMirror(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Reads everything once and builds the first view. */
  View load() {
    for (ServiceEntry s : catalog.services()) {
      services.put(s.key(), s);
    }
    for (EndpointEntry e : catalog.endpoints()) {
      endpoints
          .computeIfAbsent(Catalog.serviceKey(e.namespace(), e.service()), k -> new HashMap<>())
          .put(e.id(), e);
    }
    for (ImportEntry i : catalog.imports()) {
      imports
          .computeIfAbsent(Catalog.serviceKey(i.namespace(), i.name()), k -> new HashMap<>())
          .put(i.cluster(), i);
    }
    for (GatewayEntry g : catalog.gateways()) {
      gateways.put(g.cluster(), g);
    }
    for (PolicyEntry p : catalog.policies()) {
      policies.put(p.key(), p);
    }
    for (TrustBundle b : catalog.bundles()) {
      bundles.put(b.trustDomain().name(), BundleCodec.toJson(b));
    }
    Set<String> all = new HashSet<>(services.keySet());
    all.addAll(imports.keySet());
    all.addAll(policies.keySet());
    return rebuild(all, new HashSet<>(bundles.keySet()));
  }

  /** Applies changed keys, re-reading each; returns the new view (the same if nothing changed). */
  View apply(Collection<Catalog.Change> changes) {
    Set<String> dirtyServices = new LinkedHashSet<>();
    Set<String> dirtyBundles = new LinkedHashSet<>();
    for (Catalog.Change c : changes) {
      String key = c.key();
      switch (c.map()) {
        case Catalog.SERVICES -> {
          put(services, key, catalog.entry(c.map(), key, ServiceEntry.class).orElse(null));
          dirtyServices.add(key);
        }
        case Catalog.ENDPOINTS -> {
          int slash = key.lastIndexOf('/');
          String svc = key.substring(0, slash);
          EndpointEntry e = catalog.entry(c.map(), key, EndpointEntry.class).orElse(null);
          put(endpoints.computeIfAbsent(svc, k -> new HashMap<>()), key.substring(slash + 1), e);
          dirtyServices.add(svc);
        }
        case Catalog.IMPORTS -> {
          int slash = key.indexOf('/');
          String cluster = key.substring(0, slash);
          String svc = key.substring(slash + 1);
          ImportEntry i = catalog.entry(c.map(), key, ImportEntry.class).orElse(null);
          put(imports.computeIfAbsent(svc, k -> new HashMap<>()), cluster, i);
          dirtyServices.add(svc);
        }
        case Catalog.GATEWAYS -> {
          put(gateways, key, catalog.entry(c.map(), key, GatewayEntry.class).orElse(null));
          imports.forEach(
              (svc, byCluster) -> {
                if (byCluster.containsKey(key)) {
                  dirtyServices.add(svc);
                }
              });
        }
        case Catalog.POLICIES -> {
          put(policies, key, catalog.entry(c.map(), key, PolicyEntry.class).orElse(null));
          dirtyServices.add(key);
        }
        case Catalog.BUNDLES -> {
          put(bundles, key, catalog.bundleJson(key).orElse(null));
          dirtyBundles.add(key);
        }
        default -> {
          // links and proxies do not shape any proxy's config
        }
      }
    }
    if (dirtyServices.isEmpty() && dirtyBundles.isEmpty()) {
      return view;
    }
    return rebuild(dirtyServices, dirtyBundles);
  }

  private static <V> void put(Map<String, V> map, String key, V value) {
    if (value == null) {
      map.remove(key);
    } else {
      map.put(key, value);
    }
  }

  private View rebuild(Set<String> dirtyServices, Set<String> dirtyBundles) {
    Map<String, Resource> sidecar = new HashMap<>(view.sidecar());
    Map<String, Resource> gateway = new HashMap<>(view.gateway());
    for (String svc : dirtyServices) {
      String sidecarBody = sidecarService(svc);
      update(sidecar, ResourceType.RESOURCE_TYPE_SERVICE, svc, sidecarBody);
      PolicyEntry p = policies.get(svc);
      update(
          sidecar,
          ResourceType.RESOURCE_TYPE_POLICY,
          svc,
          p == null || sidecarBody == null ? null : p.body());
      update(gateway, ResourceType.RESOURCE_TYPE_SERVICE, svc, gatewayService(svc));
    }
    for (String domain : dirtyBundles) {
      String json = bundles.get(domain);
      update(sidecar, ResourceType.RESOURCE_TYPE_TRUST_BUNDLE, domain, json);
      update(gateway, ResourceType.RESOURCE_TYPE_TRUST_BUNDLE, domain, json);
    }
    view = new View(view.generation() + 1, Map.copyOf(sidecar), Map.copyOf(gateway));
    return view;
  }

  /** Replaces the resource only when its body changed, so unchanged ones keep their instance. */
  private static void update(
      Map<String, Resource> resources, ResourceType type, String name, String body) {
    String id = View.id(type, name);
    Resource held = resources.get(id);
    if (body == null) {
      resources.remove(id);
    } else if (held == null || !held.getBody().equals(body)) {
      resources.put(
          id,
          Resource.newBuilder()
              .setKey(ResourceKey.newBuilder().setType(type).setName(name))
              .setBody(body)
              .build());
    }
  }

  /**
   * What sidecars get for {@code ns/name}: the local service with its endpoints, merged with every
   * linked cluster's import of it as one endpoint per remote locality at that cluster's gateway.
   */
  private String sidecarService(String key) {
    ServiceEntry local = services.get(key);
    Map<String, ImportEntry> remote = imports.getOrDefault(key, Map.of());
    int slash = key.indexOf('/');
    if ((local == null && remote.isEmpty())
        || key.substring(0, slash).equals(SystemIdentities.NAMESPACE)) {
      // The controllers' own services are for linked clusters' gateways: sidecars reach their
      // controller directly, never through the mesh.
      return null;
    }
    String ns = key.substring(0, slash);
    String name = key.substring(slash + 1);
    Map<String, PortEntry> ports = new LinkedHashMap<>();
    Set<String> identities = new LinkedHashSet<>();
    boolean exported = false;
    if (local != null) {
      local.ports().forEach(p -> ports.putIfAbsent(p.name(), p));
      identities.addAll(local.identities());
      exported = local.exported();
    }
    for (ImportEntry i : new TreeMap<>(remote).values()) {
      for (PortEntry p : i.ports()) {
        boolean numberTaken = ports.values().stream().anyMatch(q -> q.port() == p.port());
        if (!ports.containsKey(p.name()) && !numberTaken) {
          ports.put(p.name(), p);
        }
      }
      identities.addAll(i.identities());
    }
    List<Map<String, Object>> eps = new ArrayList<>(localEndpoints(key));
    for (ImportEntry i : new TreeMap<>(remote).values()) {
      GatewayEntry gw = gateways.get(i.cluster());
      if (gw == null || i.ports().isEmpty()) {
        continue; // no address to send callers to yet
      }
      int sniPort = i.ports().get(0).port();
      for (LocalityCount l : i.localities()) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", i.cluster() + "-" + l.zone());
        e.put("host", gw.host());
        e.put("port", gw.port());
        e.put("region", l.region());
        e.put("zone", l.zone());
        e.put("cluster", i.cluster());
        e.put("weight", Math.max(1, Math.min(10_000, l.healthy())));
        e.put("healthy", l.healthy() > 0 && gw.healthy() && i.reachable());
        e.put("sni", name + "." + ns + "." + sniPort + "." + i.cluster() + ".fedmesh");
        eps.add(e);
      }
    }
    return body(ns, name, ports.values(), identities, exported, eps);
  }

  /** What gateways get: exported local services with their local endpoints only. */
  private String gatewayService(String key) {
    ServiceEntry local = services.get(key);
    if (local == null || !local.exported()) {
      return null;
    }
    return body(
        local.namespace(),
        local.name(),
        local.ports(),
        local.identities(),
        true,
        localEndpoints(key));
  }

  private List<Map<String, Object>> localEndpoints(String key) {
    List<Map<String, Object>> eps = new ArrayList<>();
    if (!services.containsKey(key)) {
      return eps;
    }
    for (EndpointEntry e : new TreeMap<>(endpoints.getOrDefault(key, Map.of())).values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.id());
      m.put("host", e.host());
      m.put("port", e.port());
      m.put("zone", e.zone());
      m.put("weight", Math.max(1, e.weight()));
      m.put("healthy", e.healthy());
      if (e.tcpPort() > 0) {
        m.put("tcpPort", e.tcpPort());
      }
      eps.add(m);
    }
    return eps;
  }

  private static String body(
      String ns,
      String name,
      Collection<PortEntry> ports,
      Collection<String> identities,
      boolean exported,
      List<Map<String, Object>> endpoints) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("namespace", ns);
    List<Map<String, Object>> ps = new ArrayList<>();
    for (PortEntry p : ports) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("name", p.name());
      pm.put("port", p.port());
      pm.put("protocol", p.protocol());
      ps.add(pm);
    }
    m.put("ports", ps);
    m.put("identities", List.copyOf(identities));
    m.put("exported", exported);
    m.put("endpoints", endpoints);
    return Catalog.encode(m);
  }
}
