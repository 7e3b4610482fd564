package io.fedmesh.controller.gatewayhealth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProbeStateTest {
  @Test
  void theThirdConsecutiveFailureMarksUnhealthy() {
    ProbeState s = new ProbeState(true, 3, 2);
    assertThat(s.record(false, "refused")).isFalse();
    assertThat(s.record(false, "refused")).isFalse();
    assertThat(s.record(false, "refused")).isTrue();
    assertThat(s.healthy()).isFalse();
    assertThat(s.detail()).isEqualTo("3 consecutive probes failed, last: refused");
  }

  @Test
  void aSuccessInBetweenStartsTheFailureCountAgain() {
    ProbeState s = new ProbeState(true, 3, 2);
    s.record(false, "refused");
    s.record(false, "refused");
    s.record(true, "");
    s.record(false, "refused");
    assertThat(s.record(false, "refused")).isFalse();
    assertThat(s.healthy()).isTrue();
    assertThat(s.record(false, "timeout")).isTrue();
  }

  @Test
  void theSecondConsecutiveSuccessMarksHealthyAgain() {
    ProbeState s = new ProbeState(true, 1, 2);
    s.record(false, "refused");
    assertThat(s.record(true, "")).isFalse();
    assertThat(s.healthy()).isFalse();
    assertThat(s.record(true, "")).isTrue();
    assertThat(s.healthy()).isTrue();
    assertThat(s.detail()).isEmpty();
  }

  @Test
  void aVerdictTakenOverFromTheCatalogIsKeptUntilProbesSayOtherwise() {
    ProbeState down = new ProbeState(false, 3, 2);
    assertThat(down.record(true, "")).isFalse();
    assertThat(down.healthy()).isFalse();
    ProbeState up = new ProbeState(true, 3, 2);
    assertThat(up.record(false, "x")).isFalse();
    assertThat(up.healthy()).isTrue();
  }
}
