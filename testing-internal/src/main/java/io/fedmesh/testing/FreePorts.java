package io.fedmesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on 127.0.0.1, for parts that must be told their port before they start (Hazelcast
 * members list each other; a topology names its gateways). Prefer port 0 wherever a part can report
 * the port it bound.
 */
public final class FreePorts {
  private FreePorts() {}

  /** {@code count} distinct ports that were free a moment ago on 127.0.0.1. */
  public static List<Integer> take(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        s.setReuseAddress(true);
        held.add(s);
      }
      List<Integer> ports = new ArrayList<>();
      for (ServerSocket s : held) {
        ports.add(s.getLocalPort());
      }
      return List.copyOf(ports);
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket we own does not fail in a way that matters here
        }
      }
    }
  }
}
