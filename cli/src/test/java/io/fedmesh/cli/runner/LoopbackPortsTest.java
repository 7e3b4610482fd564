package io.fedmesh.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  @Test
  void portsAreDistinctOutsideTheEphemeralRangeAndHeldUntilReleased() throws Exception {
    List<Integer> ports;
    try (LoopbackPorts.Reserved reserved = LoopbackPorts.reserve(8)) {
      ports = reserved.ports();
      assertThat(new HashSet<>(ports)).hasSize(8);
      int[] ephemeral = LoopbackPorts.readEphemeralRange();
      if (Files.isReadable(RANGE)) {
        // On Linux the range must be read, or the ports come from inside it and nothing checks.
        assertThat(ephemeral).as("the ephemeral range read from %s", RANGE).isNotNull();
        assertThat(ephemeral[0]).isGreaterThan(1023).isLessThan(ephemeral[1]);
      }
      for (int port : ports) {
        if (ephemeral != null) {
          assertThat(port < ephemeral[0] || port > ephemeral[1])
              .as("port %d outside %d-%d", port, ephemeral[0], ephemeral[1])
              .isTrue();
        }
        assertThat(bindable(port)).as("port %d held", port).isFalse();
      }

      assertThat(reserved.release(3)).isEqualTo(ports.get(3));
      assertThat(bindable(ports.get(3))).as("released port").isTrue();
      assertThat(bindable(ports.get(4))).as("port still held").isFalse();
      assertThat(reserved.release(3)).as("a second release").isEqualTo(ports.get(3));
    }
    for (int port : ports) {
      assertThat(bindable(port)).as("port %d after close", port).isTrue();
    }
  }

  private static boolean bindable(int port) throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ClusterProcess.HOST), port), 1);
      return s.getLocalPort() == port;
    } catch (BindException taken) {
      return false;
    }
  }

  @Test
  void theRangeIsBelowTheEphemeralOneWhenThereIsRoomElseAboveElseAny() {
    assertThat(LoopbackPorts.portsOutsideEphemeral(new int[] {32768, 60999}))
        .containsExactly(LoopbackPorts.LOWEST, 32767);
    assertThat(LoopbackPorts.portsOutsideEphemeral(new int[] {10500, 49151}))
        .containsExactly(49152, 65535);
    assertThat(LoopbackPorts.portsOutsideEphemeral(new int[] {1024, 65000})).isNull();
    assertThat(LoopbackPorts.portsOutsideEphemeral(null)).isNull();
  }
}
