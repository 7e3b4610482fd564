package io.fedmesh.trust.bundle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A scheduler and clock that move only when a test says so: {@link #advance} runs, in order and on
 * the calling thread, every task that falls due, setting the clock to each task's due time.
 */
final class ManualScheduler implements BundleRefresher.Scheduler {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private long order;

  Clock clock() {
    return clock;
  }

  Instant now() {
    return clock.instant();
  }

  @Override
  public synchronized Future<?> schedule(Runnable task, Duration delay) {
    Task t = new Task(clock.instant().plus(delay), order++, task);
    queue.add(t);
    return t.handle;
  }

  /** Runs tasks due now. */
  void runDue() {
    advance(Duration.ZERO);
  }

  /** Moves time forward by {@code step}, running each task as its time comes. */
  void advance(Duration step) {
    Instant target = clock.instant().plus(step);
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due.isAfter(target)) {
          break;
        }
        queue.poll();
      }
      clock.set(next.due);
      if (!next.handle.isCancelled()) {
        next.task.run();
        next.handle.complete(null);
      }
    }
    clock.set(target);
  }

  /** Tasks scheduled and neither run nor cancelled. */
  synchronized long pending() {
    return queue.stream().filter(t -> !t.handle.isCancelled()).count();
  }

  private static final class Task implements Comparable<Task> {
    final Instant due;
    final long order;
    final Runnable task;
    final CompletableFuture<Void> handle = new CompletableFuture<>();

    Task(Instant due, long order, Runnable task) {
      this.due = due;
      this.order = order;
      this.task = task;
    }

    @Override
    public int compareTo(Task o) {
      int byDue = due.compareTo(o.due);
      return byDue != 0 ? byDue : Long.compare(order, o.order);
    }
  }

  private static final class ManualClock extends Clock {
    private volatile Instant now;

    ManualClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
