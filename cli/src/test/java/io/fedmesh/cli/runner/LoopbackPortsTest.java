package io.fedmesh.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  @Test
  void portsAreDistinctFreeAndOutsideTheEphemeralRange() throws Exception {
    List<Integer> ports = LoopbackPorts.take(8);

    assertThat(new HashSet<>(ports)).hasSize(8);
    int[] ephemeral = LoopbackPorts.readEphemeralRange();
    for (int port : ports) {
      if (ephemeral != null) {
        assertThat(port < ephemeral[0] || port > ephemeral[1])
            .as("port %d outside %d-%d", port, ephemeral[0], ephemeral[1])
            .isTrue();
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(ClusterProcess.HOST))) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
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
