package io.fedmesh.controller.push;

import io.fedmesh.api.v1.Resource;
import io.fedmesh.api.v1.ResourceType;
import java.util.Map;

/**
 * The resources proxies of each kind get now, by {@link #id}: every sidecar of the cluster sees the
 * same services, policies and bundles, every gateway the exported services and bundles.
 *
 * @param generation grows with each rebuild
 * @param sidecar the sidecars' resources
 * @param gateway the gateways' resources
 */
record View(long generation, Map<String, Resource> sidecar, Map<String, Resource> gateway) {
  static final View EMPTY = new View(0, Map.of(), Map.of());

  static String id(ResourceType type, String name) {
    return type.getNumber() + ":" + name;
  }

  static String id(Resource r) {
    return id(r.getKey().getType(), r.getKey().getName());
  }
}
