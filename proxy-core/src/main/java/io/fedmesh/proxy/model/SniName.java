package io.fedmesh.proxy.model;

/**
 * The SNI a sidecar sends to a linked cluster's east-west gateway, naming what to route to: {@code
 * <service>.<namespace>.<port>.<cluster>.fedmesh}, five DNS labels, the port in decimal. For
 * example {@code reviews.default.9080.us-west.fedmesh}. The gateway routes it only when {@code
 * cluster} is its own and the service is exported.
 */
public record SniName(ServiceName service, int port, String cluster) {
  /** The last label of every fedmesh SNI. */
  public static final String SUFFIX = "fedmesh";

  /** Longest SNI parsed (DNS names are at most 253 characters). */
  public static final int MAX_LENGTH = 253;

  public SniName {
    Names.checkPort("sni.port", port);
    Names.checkLabel("sni.cluster", cluster);
  }

  /**
   * Parses an SNI.
   *
   * @throws ModelException naming the SNI and what is wrong with it
   */
  public static SniName parse(String sni) {
    if (sni == null || sni.isEmpty()) {
      throw new ModelException(
          "sni: missing (expected: <service>.<namespace>.<port>.<cluster>.fedmesh)");
    }
    if (sni.length() > MAX_LENGTH) {
      throw new ModelException("sni: " + sni.length() + " characters (expected: at most 253)");
    }
    String[] labels = sni.split("\\.", -1);
    if (labels.length != 5 || !labels[4].equals(SUFFIX)) {
      throw new ModelException(
          "sni: '"
              + printable(sni)
              + "' (expected: <service>.<namespace>.<port>.<cluster>.fedmesh)");
    }
    int port;
    try {
      if (labels[2].isEmpty() || labels[2].length() > 5 || labels[2].charAt(0) == '0') {
        throw new NumberFormatException();
      }
      port = Integer.parseInt(labels[2]);
    } catch (NumberFormatException e) {
      throw new ModelException(
          "sni: '"
              + printable(sni)
              + "': port label '"
              + printable(labels[2])
              + "' (expected: 1..65535 in decimal)");
    }
    for (int i : new int[] {0, 1, 3}) {
      if (!isLabel(labels[i])) {
        throw new ModelException(
            "sni: '"
                + printable(sni)
                + "': label '"
                + printable(labels[i])
                + "' (expected: a DNS label: lower-case letters, digits and '-')");
      }
    }
    return new SniName(new ServiceName(labels[0], labels[1]), port, labels[3]);
  }

  private static boolean isLabel(String s) {
    try {
      Names.checkLabel("label", s);
      return true;
    } catch (ModelException e) {
      return false;
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 253; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c >= 0x7f ? '?' : c);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return service.name() + "." + service.namespace() + "." + port + "." + cluster + "." + SUFFIX;
  }
}
