/**
 * What every fedmesh proxy (sidecar, east-west gateway) shares. Sub-packages: {@code model} (the
 * proxy's immutable view of the mesh: services, endpoints with locality and health, gateways,
 * policies, swapped atomically as one snapshot), {@code routing} (locality-first load balancing,
 * health, outlier detection, retries and budgets, circuit breaking), {@code config} (the static
 * YAML form of a snapshot). Depends on trust-bundle, Vert.x core, Micrometer and SnakeYAML.
 */
package io.fedmesh.proxy;
