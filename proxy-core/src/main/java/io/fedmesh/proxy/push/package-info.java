/**
 * A proxy's side of the control plane: {@link io.fedmesh.proxy.push.ControllerClient} holds the
 * push stream to any of the cluster's controller replicas and turns pushed resources into a {@link
 * io.fedmesh.proxy.model.ProxySnapshot} with the static config reader (one validator), ACKing or
 * NACKing each version; {@link io.fedmesh.proxy.push.SvidClient} gets a first SVID with a join
 * token and renews it with the current one; {@link io.fedmesh.proxy.push.ControlledProxy} puts the
 * two together the way every proxy starts (first SVID, renewal, then the push stream); {@link
 * io.fedmesh.proxy.push.SystemIdentities} names fedmesh's own SPIFFE IDs.
 *
 * <p>Depends on the api stubs, {@code io.fedmesh.proxy.config} and {@code model}, trust-bundle and
 * Vert.x gRPC client.
 */
package io.fedmesh.proxy.push;
