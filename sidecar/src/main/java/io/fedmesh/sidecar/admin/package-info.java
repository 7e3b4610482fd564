/**
 * The sidecar's admin listener on loopback: readiness and liveness for the kubelet, Prometheus
 * metrics, and read-only JSON views of the current configuration and of the outbound routing state.
 */
package io.fedmesh.sidecar.admin;
