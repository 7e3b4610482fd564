package io.fedmesh.gateway;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** See {@link EndpointPicker#zoneAwareRoundRobin()}. */
final class ZoneAwareRoundRobin implements EndpointPicker {
  private final ConcurrentHashMap<ServiceName, AtomicInteger> next = new ConcurrentHashMap<>();

  @Override
  public Optional<Endpoint> pick(Service service, Locality gateway, Set<String> excluded) {
    List<Endpoint> sameZone = new ArrayList<>();
    List<Endpoint> cluster = new ArrayList<>();
    for (Endpoint e : service.endpoints()) {
      if (e.isRemote()
          || !e.healthy()
          || !e.locality().cluster().equals(gateway.cluster())
          || excluded.contains(e.id())) {
        continue;
      }
      cluster.add(e);
      if (e.locality().zone().equals(gateway.zone())) {
        sameZone.add(e);
      }
    }
    List<Endpoint> pool = sameZone.isEmpty() ? cluster : sameZone;
    if (pool.isEmpty()) {
      return Optional.empty();
    }
    int i = next.computeIfAbsent(service.name(), n -> new AtomicInteger()).getAndIncrement();
    return Optional.of(pool.get(Math.floorMod(i, pool.size())));
  }
}
