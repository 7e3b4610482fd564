package io.fedmesh.controller.peering;

/** Checks of cluster names and ports met in peering input. */
final class Names {
  /** A cluster name: a DNS label (it appears in SNI names and in {@code svc-<cluster>}). */
  static final String CLUSTER_PATTERN = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";

  private Names() {}

  static String checkCluster(String what, String cluster) {
    if (cluster == null || !cluster.matches(CLUSTER_PATTERN)) {
      throw PeeringException.invalid(
          what + ": '" + cluster + "' (expected: a DNS label, " + CLUSTER_PATTERN + ")");
    }
    return cluster;
  }

  static int checkPort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw PeeringException.invalid(what + ": " + port + " (expected: 1..65535)");
    }
    return port;
  }
}
