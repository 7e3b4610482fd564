/**
 * The Kubernetes side of the service mirror: imports as selector-less Services and EndpointSlices
 * pointing at the exporting cluster's east-west gateway, written with the fabric8 client ({@link
 * io.fedmesh.mirror.kubernetes.KubernetesMirror}). Depends on the mirror's {@link
 * io.fedmesh.mirror.MirrorSink}, the catalog's entries and fabric8 kubernetes-client.
 */
package io.fedmesh.mirror.kubernetes;
