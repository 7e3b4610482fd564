package io.fedmesh.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Load to one port on 127.0.0.1 in one of four {@link Protocol protocols}, in two modes:
 *
 * <ul>
 *   <li>{@link #openLoop open loop}: requests are due at a constant rate whatever the responses do,
 *       and each latency is measured from the time the request was <em>due</em>, not from when a
 *       connection (or stream) became free to send it (wrk2's correction for coordinated omission:
 *       a stall shows up as the latency every waiting request saw). A sender thread wakes at each
 *       due time and hands the due requests to the client's event loop, where they wait for a free
 *       connection or stream;
 *   <li>{@link #closedLoop closed loop}: {@code concurrency} requests in flight, each followed by
 *       the next as soon as its response is in, for the maximum throughput.
 * </ul>
 *
 * <p>At most {@code concurrency} requests are in flight in either mode: HTTP/1.1 over that many
 * keep-alive connections (no pipelining); HTTP/2 and gRPC over {@value #H2_CONNECTIONS} connections
 * with at most {@code concurrency / }{@value #H2_CONNECTIONS} (rounded up) concurrent streams on
 * each; new-connection-per-request with that many connections open at once.
 *
 * <p>A request counts as completed when its status is 200 (gRPC: status OK) and its body (gRPC: its
 * one response message) has the expected length; anything else is an error. Requests still
 * outstanding a bound after the run are counted as incomplete.
 */
final class LoadGenerator implements AutoCloseable {
  /** How long a run waits for its outstanding requests after the last one was due. */
  static final Duration DRAIN_BOUND = Duration.ofSeconds(5);

  /** Connections of the HTTP/2 and gRPC generators; streams are multiplexed on them. */
  static final int H2_CONNECTIONS = 2;

  /** What goes on the wire to the first hop. */
  enum Protocol {
    /** HTTP/1.1 over kept-alive connections, one request at a time on each. */
    H1("h1", "HTTP/1.1"),
    /** HTTP/2 in clear with prior knowledge (h2c), streams multiplexed on few connections. */
    H2("h2", "HTTP/2 (h2c)"),
    /** gRPC unary calls over h2c, {@value UpstreamApp#SMALL_BYTES}-byte messages both ways. */
    GRPC("grpc", "gRPC unary"),
    /** HTTP/1.1 with {@code Connection: close}: a new TCP connection for every request. */
    NEWCONN("newconn", "HTTP/1.1 new conn/req");

    final String key;
    final String label;

    Protocol(String key, String label) {
      this.key = key;
      this.label = label;
    }

    /** The protocol named {@code key} ({@code h1}, {@code h2}, {@code grpc} or {@code newconn}). */
    static Protocol of(String name, String key) {
      for (Protocol p : values()) {
        if (p.key.equals(key)) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          name + ": '" + key + "' (expected: a comma-separated subset of h1, h2, grpc, newconn)");
    }
  }

  /** Figures of one run; latencies in nanoseconds. */
  record Result(Histogram latency, long completed, long errors, long incomplete, Duration elapsed) {
    double ratePerSecond() {
      return completed / (elapsed.toNanos() / 1e9);
    }

    double percentileMicros(double p) {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(p) / 1000.0;
    }
  }

  private static final ServiceMethod<Buffer, Buffer> GRPC_CALL =
      ServiceMethod.client(
          ServiceName.create(UpstreamApp.GRPC_SERVICE),
          UpstreamApp.GRPC_METHOD.substring(UpstreamApp.GRPC_METHOD.indexOf('/') + 1),
          GrpcMessageEncoder.IDENTITY,
          GrpcMessageDecoder.IDENTITY);

  private final Context context;
  private final HttpClient client;
  private final Supplier<Future<Boolean>> call;
  private final int concurrency;
  private final int expectedBytes;

  /**
   * A generator on its own event loop sending {@code GET uri} (gRPC: the unary call) to {@code
   * port} with {@code host} as the Host header or {@code :authority}, at most {@code concurrency}
   * at a time, expecting bodies of {@code expectedBytes}. For HTTP/2 and gRPC, {@code vertx} must
   * resolve {@code host} to 127.0.0.1 (see {@link #vertx}): the generator dials the mesh name, as
   * an app would.
   */
  LoadGenerator(
      Vertx vertx,
      Protocol protocol,
      int port,
      String host,
      String uri,
      int concurrency,
      int expectedBytes) {
    this.context = vertx.getOrCreateContext();
    this.concurrency = concurrency;
    this.expectedBytes = expectedBytes;
    HttpClientOptions options =
        new HttpClientOptions().setTcpNoDelay(true).setConnectTimeout(5_000);
    PoolOptions pool = new PoolOptions().setMaxWaitQueueSize(-1);
    switch (protocol) {
      case H1, NEWCONN -> {
        boolean keepAlive = protocol == Protocol.H1;
        client =
            vertx.createHttpClient(
                options.setKeepAlive(keepAlive).setPipelining(false),
                pool.setHttp1MaxSize(concurrency));
        RequestOptions request =
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(uri)
                .putHeader("host", host);
        if (!keepAlive) {
          request.putHeader("connection", "close");
        }
        call = () -> get(request);
      }
      case H2, GRPC -> {
        client =
            vertx.createHttpClient(
                options
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false)
                    .setHttp2MultiplexingLimit((concurrency + H2_CONNECTIONS - 1) / H2_CONNECTIONS),
                pool.setHttp2MaxSize(H2_CONNECTIONS));
        if (protocol == Protocol.H2) {
          RequestOptions request =
              new RequestOptions()
                  .setMethod(HttpMethod.GET)
                  .setHost(host)
                  .setPort(port)
                  .setURI(uri);
          call = () -> get(request);
        } else {
          GrpcClient grpc = GrpcClient.client(vertx, client);
          SocketAddress server = SocketAddress.inetSocketAddress(port, host);
          byte[] message = new byte[UpstreamApp.SMALL_BYTES];
          call =
              () ->
                  grpc.request(server, GRPC_CALL)
                      .compose(req -> req.send(Buffer.buffer(message)))
                      .compose(
                          resp ->
                              resp.last()
                                  .map(
                                      m ->
                                          resp.status() == GrpcStatus.OK
                                              && m.length() == expectedBytes));
        }
      }
      default -> throw new IllegalStateException("unhandled protocol " + protocol);
    }
  }

  /**
   * A Vert.x with one event loop for generators, resolving each of {@code meshHosts} to 127.0.0.1
   * (where the first hop of every path listens).
   */
  static Vertx vertx(List<String> meshHosts) {
    StringBuilder hosts = new StringBuilder();
    for (String h : meshHosts) {
      hosts.append("127.0.0.1 ").append(h).append('\n');
    }
    return Vertx.vertx(
        new VertxOptions()
            .setEventLoopPoolSize(1)
            .setAddressResolverOptions(
                new AddressResolverOptions().setHostsValue(Buffer.buffer(hosts.toString()))));
  }

  private Future<Boolean> get(RequestOptions request) {
    return client
        .request(request)
        .compose(
            req ->
                req.send()
                    .compose(resp -> resp.body().map(b -> ok(resp.statusCode(), b.length()))));
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
      call.get()
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
   * Keeps {@code concurrency} requests in flight for {@code duration}; latencies from each actual
   * send.
   */
  Result closedLoop(Duration duration) throws Exception {
    Run run = new Run();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    context.runOnContext(
        v -> {
          for (int c = 0; c < concurrency; c++) {
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
