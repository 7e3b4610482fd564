package io.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void portsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
    List<Integer> ports = FreePorts.take(8);

    assertThat(new HashSet<>(ports)).hasSize(8);
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    int low = FreePorts.ephemeralLow();
    if (Files.isReadable(range)) {
      // On Linux the range must be read, or the ports come from inside it and nothing checks.
      assertThat(low).as("first ephemeral port read from %s", range).isGreaterThan(1023);
    }
    for (int port : ports) {
      if (low - 10_000 >= 1_000) {
        assertThat(port).isBetween(10_000, low - 1);
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
    }
  }
}
