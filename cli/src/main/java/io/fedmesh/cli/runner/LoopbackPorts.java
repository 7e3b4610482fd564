package io.fedmesh.cli.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for listeners whose numbers must be known before they open (Hazelcast member
 * lists, the gateway address peering tokens carry): each is bound, then all are released together,
 * so the numbers are distinct. Another process could take one in between; the listener's bind then
 * fails loudly and {@code fedmesh up} reports the cluster as not started.
 */
final class LoopbackPorts {
  private LoopbackPorts() {}

  static List<Integer> take(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ClusterProcess.HOST));
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find " + count + " free loopback ports", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // released anyway
        }
      }
    }
  }
}
