package io.fedmesh.controller.peering;

import io.fedmesh.api.v1.ExportSet;
import io.fedmesh.api.v1.ExportedService;
import io.fedmesh.api.v1.LocalityHealth;
import io.fedmesh.api.v1.ServicePortSpec;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.proxy.push.SystemIdentities;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Translates between this cluster's exported services and the wire's {@link ExportSet}: summaries
 * (ports, identities, healthy/total endpoints per locality), never endpoint addresses. The
 * controller's own service (namespace {@value SystemIdentities#NAMESPACE}) is exported so the
 * gateway routes peering to it, but is never offered for import.
 */
final class ExportSets {
  private ExportSets() {}

  /** What this cluster exports now, services in key order (version 0: the sender numbers it). */
  static List<ExportedService> local(Catalog catalog) {
    Map<String, Map<String, int[]>> counts = new TreeMap<>();
    for (EndpointEntry e : catalog.endpoints()) {
      int[] c =
          counts
              .computeIfAbsent(Catalog.serviceKey(e.namespace(), e.service()), k -> new TreeMap<>())
              .computeIfAbsent(e.region() + "\n" + e.zone(), k -> new int[2]);
      c[1]++;
      if (e.healthy()) {
        c[0]++;
      }
    }
    List<ExportedService> out = new ArrayList<>();
    for (ServiceEntry s : catalog.services()) {
      if (!s.exported() || s.namespace().equals(SystemIdentities.NAMESPACE)) {
        continue;
      }
      ExportedService.Builder b =
          ExportedService.newBuilder()
              .setName(s.name())
              .setNamespace(s.namespace())
              .addAllIdentities(s.identities());
      for (PortEntry p : s.ports()) {
        b.addPorts(
            ServicePortSpec.newBuilder()
                .setName(p.name())
                .setPort(p.port())
                .setProtocol(p.protocol())
                .build());
      }
      for (Map.Entry<String, int[]> l : counts.getOrDefault(s.key(), Map.of()).entrySet()) {
        String[] rz = l.getKey().split("\n", 2);
        b.addLocalities(
            LocalityHealth.newBuilder()
                .setRegion(rz[0])
                .setZone(rz[1])
                .setHealthy(l.getValue()[0])
                .setTotal(l.getValue()[1])
                .build());
      }
      out.add(b.build());
    }
    return List.copyOf(out);
  }

  /** A received export set as the catalog holds it. */
  static RemoteExports received(String cluster, ExportSet set) {
    List<ImportEntry> services = new ArrayList<>();
    for (ExportedService s : set.getServicesList()) {
      List<PortEntry> ports = new ArrayList<>();
      for (ServicePortSpec p : s.getPortsList()) {
        ports.add(new PortEntry(p.getName(), p.getPort(), p.getProtocol()));
      }
      List<LocalityCount> localities = new ArrayList<>();
      for (LocalityHealth l : s.getLocalitiesList()) {
        localities.add(
            new LocalityCount(
                l.getRegion(), l.getZone(), (int) l.getHealthy(), (int) l.getTotal()));
      }
      services.add(
          new ImportEntry(
              cluster,
              s.getNamespace(),
              s.getName(),
              ports,
              s.getIdentitiesList(),
              localities,
              true));
    }
    return new RemoteExports(cluster, set.getVersion(), services);
  }
}
