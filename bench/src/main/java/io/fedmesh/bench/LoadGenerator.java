package io.fedmesh.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * HTTP/1.1 load over a fixed number of keep-alive connections (no pipelining) to one port on
 * 127.0.0.1, in two modes:
 *
 * <ul>
 *   <li>{@link #openLoop open loop}: requests are due at a constant rate whatever the responses do,
 *       and each latency is measured from the time the request was <em>due</em>, not from when a
 *       connection became free to send it (wrk2's correction for coordinated omission: a stall
 *       shows up as the latency every waiting request saw). A sender thread wakes at each due time
 *       and hands the due requests to the client's event loop, where they wait for a free
 *       connection;
 *   <li>{@link #closedLoop closed loop}: each connection sends its next request as soon as the
 *       previous response is in, for the maximum throughput.
 * </ul>
 *
 * <p>A request counts as completed when its status is 200 and its body has the expected length;
 * anything else is an error. Requests still outstanding a bound after the run are counted as
 * incomplete.
 */
final class LoadGenerator implements AutoCloseable {
  /** How long a run waits for its outstanding requests after the last one was due. */
  static final Duration DRAIN_BOUND = Duration.ofSeconds(5);

  /** Figures of one run; latencies in nanoseconds. */
  record Result(Histogram latency, long completed, long errors, long incomplete, Duration elapsed) {
    double ratePerSecond() {
      return completed / (elapsed.toNanos() / 1e9);
    }

    double percentileMicros(double p) {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(p) / 1000.0;
    }
  }

  private final Context context;
  private final HttpClient client;
  private final RequestOptions request;
  private final int connections;
  private final int expectedBytes;

  /**
   * A generator on its own event loop sending {@code GET uri} with {@code Host: host} to {@code
   * port} over {@code connections} connections, expecting bodies of {@code expectedBytes}.
   */
  LoadGenerator(
      Vertx vertx, int port, String host, String uri, int connections, int expectedBytes) {
    this.context = vertx.getOrCreateContext();
    this.connections = connections;
    this.expectedBytes = expectedBytes;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setConnectTimeout(5_000),
            new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    this.request =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(uri)
            .putHeader("host", host);
  }

  /** Per-run state, touched on the generator's event loop only. */
  private final class Run {
    final Histogram histogram = new Histogram(3); // resizes itself: no latency is out of range
    final CompletableFuture<Void> drained = new CompletableFuture<>();
    long completed;
    long errors;
    long outstanding;
    boolean sendingDone;
    boolean closed;

    void send(long intendedNanos, Runnable then) {
      outstanding++;
      client
          .request(request)
          .compose(
              req ->
                  req.send()
                      .compose(resp -> resp.body().map(b -> ok(resp.statusCode(), b.length()))))
          .onComplete(
              ar -> {
                if (closed) {
                  return;
                }
                outstanding--;
                if (ar.succeeded() && ar.result()) {
                  completed++;
                  histogram.recordValue(Math.max(0, System.nanoTime() - intendedNanos));
                } else {
                  errors++;
                }
                if (then != null) {
                  then.run();
                }
                checkDrained();
              });
    }

    void checkDrained() {
      if (sendingDone && outstanding == 0) {
        drained.complete(null);
      }
    }

    /** Waits for the outstanding requests, up to the bound, and takes the figures. */
    Result finish(long startNanos) throws InterruptedException, ExecutionException {
      try {
        drained.get(DRAIN_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // Counted below as incomplete.
      }
      long endNanos = System.nanoTime();
      CompletableFuture<Result> r = new CompletableFuture<>();
      context.runOnContext(
          v -> {
            closed = true;
            r.complete(
                new Result(
                    histogram.copy(),
                    completed,
                    errors,
                    outstanding,
                    Duration.ofNanos(endNanos - startNanos)));
          });
      return r.get();
    }
  }

  private boolean ok(int status, int bytes) {
    return status == 200 && bytes == expectedBytes;
  }

  /**
   * Sends {@code rate} requests per second for {@code duration}; latencies from each request's due
   * time.
   */
  Result openLoop(double rate, Duration duration) throws Exception {
    Run run = new Run();
    double intervalNanos = 1e9 / rate;
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long i = 0;
    while (true) {
      long due = start + (long) (i * intervalNanos);
      if (due >= end) {
        break;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      // Every request due by now goes to the event loop in one hand-over.
      long now = System.nanoTime();
      long first = i;
      while (start + (long) (i * intervalNanos) <= now
          && start + (long) (i * intervalNanos) < end) {
        i++;
      }
      long from = first;
      long to = i;
      context.runOnContext(
          v -> {
            for (long k = from; k < to; k++) {
              run.send(start + (long) (k * intervalNanos), null);
            }
          });
    }
    context.runOnContext(
        v -> {
          run.sendingDone = true;
          run.checkDrained();
        });
    return run.finish(start);
  }

  /**
   * Keeps one request in flight per connection for {@code duration}; latencies from each actual
   * send.
   */
  Result closedLoop(Duration duration) throws Exception {
    Run run = new Run();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    context.runOnContext(
        v -> {
          for (int c = 0; c < connections; c++) {
            loop(run, end);
          }
        });
    long wait = end - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
    context.runOnContext(
        v -> {
          run.sendingDone = true;
          run.checkDrained();
        });
    return run.finish(start);
  }

  private void loop(Run run, long end) {
    if (System.nanoTime() >= end) {
      return;
    }
    long sent = System.nanoTime();
    run.send(sent, () -> loop(run, end));
  }

  @Override
  public void close() throws Exception {
    Future<Void> closed = client.close();
    closed.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
