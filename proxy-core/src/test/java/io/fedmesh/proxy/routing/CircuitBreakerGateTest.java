package io.fedmesh.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.routing.CircuitBreakerGate.Permit;
import io.fedmesh.proxy.routing.CircuitBreakerGate.Rejection;
import org.junit.jupiter.api.Test;

class CircuitBreakerGateTest {
  private final CircuitBreakerGate gate = new CircuitBreakerGate(new CircuitBreaker(1, 2, 3));

  @Test
  void requestsBeyondMaxRequestsAreRejected() {
    for (int i = 0; i < 3; i++) {
      assertThat(gate.tryAcquireRequest().isGranted()).isTrue();
    }

    Permit p = gate.tryAcquireRequest();

    assertThat(p.isGranted()).isFalse();
    assertThat(p.rejection()).contains(Rejection.MAX_REQUESTS);
    assertThat(gate.activeRequests()).isEqualTo(3);
  }

  @Test
  void releasingAPermitLetsTheNextOneIn() {
    Permit first = gate.tryAcquireRequest();
    gate.tryAcquireRequest();
    gate.tryAcquireRequest();

    first.release();

    assertThat(gate.activeRequests()).isEqualTo(2);
    assertThat(gate.tryAcquireRequest().isGranted()).isTrue();
  }

  @Test
  void releasingTwiceReleasesOnce() {
    Permit p = gate.tryAcquireRequest();
    gate.tryAcquireRequest();

    p.release();
    p.release();

    assertThat(gate.activeRequests()).isEqualTo(1);
  }

  @Test
  void releasingARejectionChangesNothing() {
    for (int i = 0; i < 3; i++) {
      gate.tryAcquireRequest();
    }
    Permit rejected = gate.tryAcquireRequest();

    rejected.release();

    assertThat(gate.activeRequests()).isEqualTo(3);
  }

  @Test
  void connectionsBeyondMaxConnectionsAreRejected() {
    Permit c = gate.tryAcquireConnection();

    assertThat(c.isGranted()).isTrue();
    assertThat(c.rejection()).isEmpty();
    assertThat(gate.tryAcquireConnection().rejection()).contains(Rejection.MAX_CONNECTIONS);
    c.release();
    assertThat(gate.activeConnections()).isZero();
  }

  @Test
  void pendingRequestsBeyondMaxPendingRequestsAreRejected() {
    gate.tryAcquirePendingRequest();
    gate.tryAcquirePendingRequest();

    assertThat(gate.tryAcquirePendingRequest().rejection())
        .contains(Rejection.MAX_PENDING_REQUESTS);
    assertThat(gate.pendingRequests()).isEqualTo(2);
  }

  @Test
  void limitsAreIndependent() {
    gate.tryAcquireConnection();

    assertThat(gate.tryAcquireRequest().isGranted()).isTrue();
    assertThat(gate.tryAcquirePendingRequest().isGranted()).isTrue();
  }

  @Test
  void concurrentAcquiresNeverExceedTheLimit() throws Exception {
    CircuitBreakerGate g = new CircuitBreakerGate(new CircuitBreaker(1, 1, 5));
    Thread[] threads = new Thread[4];
    int[] overLimit = new int[1];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 20_000; i++) {
                  Permit p = g.tryAcquireRequest();
                  if (g.activeRequests() > 5) {
                    synchronized (overLimit) {
                      overLimit[0]++;
                    }
                  }
                  p.release();
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join(30_000);
      assertThat(t.isAlive()).isFalse();
    }

    assertThat(overLimit[0]).isZero();
    assertThat(g.activeRequests()).isZero();
  }
}
