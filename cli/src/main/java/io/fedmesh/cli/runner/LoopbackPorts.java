package io.fedmesh.cli.runner;

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
 * Free loopback ports for listeners whose numbers must be known before they open (Hazelcast member
 * lists, the gateway address peering tokens carry): each is held bound from the moment it is picked
 * until {@link Reserved#release}, so the numbers are distinct and nothing else can bind them
 * meanwhile. The gateway's are released just before it listens; the controllers' together before
 * the first Hazelcast member starts ({@code ControlPlane} says why).
 *
 * <p>They are taken outside the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range},
 * where outgoing connections get their local ports) when Linux says where that is. A port from the
 * ephemeral range, released until its listener opens, could be taken meanwhile as the local end of
 * any outgoing connection — the cluster's own controllers dial each other before its gateway binds
 * — and {@code fedmesh up} then failed with "address already in use" (seen once in CI). Outside
 * that range only another explicit bind can take it: the other cluster processes of the run pick
 * theirs at the same moment, which is why each port stays held until its listener opens instead of
 * being released as soon as it is picked (a gateway's ports were otherwise free for the seconds its
 * controllers took to start). Until December 2026 the range was never read (see {@link
 * #readEphemeralRange}), every port came from inside it, and {@code fedmesh up} failed that way
 * once more.
 */
final class LoopbackPorts {
  /** Where Linux says its ephemeral range is: "low high" on one line. */
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  /** The lowest port taken: clear of the well-known and most registered service ports. */
  static final int LOWEST = 10_000;

  private static final int ATTEMPTS = 500;

  private LoopbackPorts() {}

  /**
   * Picks {@code count} distinct free ports and holds each bound until it is released; the caller
   * closes the result (which releases whatever is still held) when it is done with them.
   */
  static Reserved reserve(int count) {
    int[] range = portsOutsideEphemeral(readEphemeralRange());
    List<ServerSocket> held = new ArrayList<>();
    for (int attempt = 0; held.size() < count && attempt < ATTEMPTS; attempt++) {
      int port = range == null ? 0 : ThreadLocalRandom.current().nextInt(range[0], range[1] + 1);
      ServerSocket s = tryBind(port);
      if (s != null) {
        held.add(s);
      }
    }
    Reserved reserved = new Reserved(held);
    if (held.size() < count) {
      reserved.close();
      throw new UncheckedIOException(
          new IOException(
              "cannot find "
                  + count
                  + " free loopback ports"
                  + (range == null ? "" : " in " + range[0] + "-" + range[1])
                  + "; free some ports or narrow net.ipv4.ip_local_port_range"));
    }
    return reserved;
  }

  /** Ports picked by {@link #reserve}, each held bound until released. */
  static final class Reserved implements AutoCloseable {
    private final List<ServerSocket> held;

    private Reserved(List<ServerSocket> held) {
      this.held = held;
    }

    /** The ports, in the order picked (a closed socket still reports the port it was bound to). */
    List<Integer> ports() {
      return held.stream().map(ServerSocket::getLocalPort).toList();
    }

    /**
     * Releases port {@code index} (its listener is about to open) and returns its number; a port
     * already released stays released.
     */
    synchronized int release(int index) {
      closeQuietly(held.get(index));
      return held.get(index).getLocalPort();
    }

    /** Releases every port still held. */
    @Override
    public synchronized void close() {
      held.forEach(LoopbackPorts::closeQuietly);
    }
  }

  private static void closeQuietly(ServerSocket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // released anyway
    }
  }

  /** A socket bound to {@code port} (0: any) on the loopback host, or null if it is taken. */
  private static ServerSocket tryBind(int port) {
    try {
      ServerSocket s = new ServerSocket();
      try {
        s.bind(new InetSocketAddress(InetAddress.getByName(ClusterProcess.HOST), port), 1);
        return s;
      } catch (IOException taken) {
        s.close();
        return null;
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** Linux's ephemeral range {@code {low, high}}, or null where it cannot be read. */
  static int[] readEphemeralRange() {
    try {
      // Not Files.readString: the file reports size 0, so the JDK reads its first byte alone, and
      // this sysctl answers any read after the first with end of file ("3" of "32768 60999").
      String[] parts =
          String.join(" ", Files.readAllLines(EPHEMERAL_RANGE, StandardCharsets.US_ASCII))
              .trim()
              .split("\\s+");
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The ports to choose from: below {@code ephemeral} (from {@link #LOWEST}) when at least 1,000
   * fit there, else above it; null (any free port) when {@code ephemeral} is null or leaves no such
   * room.
   */
  static int[] portsOutsideEphemeral(int[] ephemeral) {
    if (ephemeral == null) {
      return null;
    }
    if (ephemeral[0] - 1 - LOWEST >= 1_000) {
      return new int[] {LOWEST, ephemeral[0] - 1};
    }
    if (65_535 - (ephemeral[1] + 1) >= 1_000) {
      return new int[] {Math.max(LOWEST, ephemeral[1] + 1), 65_535};
    }
    return null;
  }
}
