package io.fedmesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1, for parts that must be told their port before they start (Hazelcast
 * members list each other; a topology names its gateways). Prefer port 0 wherever a part can report
 * the port it bound.
 *
 * <p>On Linux the ports come from below the kernel's ephemeral range ({@code
 * net.ipv4.ip_local_port_range}), from 10000 up: a port from that range, released until its
 * listener binds, can meanwhile become the local end of any outgoing connection (a Hazelcast member
 * dialling the one that has not bound yet). The CLI's {@code LoopbackPorts} does the same for
 * {@code fedmesh up} (main code cannot use this test module).
 */
public final class FreePorts {
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  private static final int LOWEST = 10_000;

  private FreePorts() {}

  /** {@code count} distinct ports that were free a moment ago on 127.0.0.1. */
  public static List<Integer> take(int count) {
    int below = ephemeralLow();
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int attempt = 0; held.size() < count && attempt < 500; attempt++) {
        int port = below - LOWEST >= 1_000 ? ThreadLocalRandom.current().nextInt(LOWEST, below) : 0;
        ServerSocket s = new ServerSocket();
        try {
          s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
          held.add(s);
        } catch (IOException taken) {
          s.close();
        }
      }
      if (held.size() < count) {
        throw new IOException("only " + held.size() + " of " + count + " ports were free");
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

  /** The first port of Linux's ephemeral range; 0 where it cannot be read (then: any port). */
  static int ephemeralLow() {
    try {
      // Not Files.readString: the file reports size 0, so the JDK reads its first byte alone, and
      // this sysctl answers any read after the first with end of file ("3" of "32768 60999").
      return Integer.parseInt(
          String.join(" ", Files.readAllLines(EPHEMERAL_RANGE, StandardCharsets.US_ASCII))
              .trim()
              .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
