/**
 * The proxy's model of the mesh: immutable records, validated at construction, swapped as one
 * {@link io.fedmesh.proxy.model.ProxySnapshot} with a version. The same types come from a static
 * YAML file or from the controller's push. Depends on {@code io.fedmesh.trust.spiffe} only.
 */
package io.fedmesh.proxy.model;
