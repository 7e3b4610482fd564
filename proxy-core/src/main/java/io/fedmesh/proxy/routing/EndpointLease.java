package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One try's hold on the endpoint {@link LocalityLoadBalancer#pick(PickContext)} chose: the endpoint
 * counts one more active request (which least-request balancing reads) until the lease ends. End it
 * exactly once per try, with {@link #complete(Outcome)} when the endpoint answered or failed (the
 * outcome feeds outlier detection) or {@link #release()} when the try ended for reasons that say
 * nothing about the endpoint (the caller went away, the circuit breaker said no). Further calls are
 * ignored, so a cleanup path may end a lease again safely. Thread-safe.
 */
public final class EndpointLease {
  private static final AtomicIntegerFieldUpdater<EndpointLease> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(EndpointLease.class, "ended");

  private final LocalityLoadBalancer.Slot slot;
  private final OutlierDetector detector;

  @SuppressWarnings("unused") // through ENDED
  private volatile int ended;

  EndpointLease(LocalityLoadBalancer.Slot slot, OutlierDetector detector) {
    this.slot = slot;
    this.detector = detector;
  }

  /** The endpoint to send this try to. */
  public Endpoint endpoint() {
    return slot.endpoint;
  }

  /** Ends the try and records how it went. */
  public void complete(Outcome outcome) {
    if (ENDED.compareAndSet(this, 0, 1)) {
      slot.active.decrementAndGet();
      if (detector != null && slot.outlier != null) {
        detector.record(slot.outlier, outcome);
      }
    }
  }

  /** Ends the try without an outcome. */
  public void release() {
    if (ENDED.compareAndSet(this, 0, 1)) {
      slot.active.decrementAndGet();
    }
  }

  @Override
  public String toString() {
    return "EndpointLease{" + slot.endpoint.id() + (ended != 0 ? ", ended}" : "}");
  }
}
