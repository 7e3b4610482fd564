package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.sidecar.tracing.SidecarTracing;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh call}: sends requests as a workload's app would, through its sidecar's outbound
 * listener, and reports where each was served and the latency distribution.
 */
@Command(
    name = "call",
    header = "Call a URL through a workload's sidecar; show where each request was served.",
    description = {
      "The URL names a mesh host: <svc>.<ns>.svc.cluster.local (this cluster),",
      "<svc>.<ns>.svc.clusterset.local (every cluster), <svc>-<cluster>.<ns>.svc.clusterset.local.",
      "Exit code 3 when any request failed."
    },
    sortOptions = false)
final class CallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--cluster", required = true, paramLabel = "CLUSTER", description = "Cluster.")
  String cluster;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "WORKLOAD",
      description = "Calling workload: a service name (its first replica) or a pod name.")
  String from;

  @Parameters(
      paramLabel = "URL",
      description = "e.g. http://reviews.default.svc.clusterset.local:9080/")
  String url;

  @Option(
      names = "--count",
      paramLabel = "N",
      defaultValue = "1",
      description = "Requests (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(
      names = "--rate",
      paramLabel = "R",
      defaultValue = "0",
      description =
          "Requests per second; 0: as fast as --concurrency allows (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--concurrency",
      paramLabel = "K",
      defaultValue = "1",
      description = "Requests in flight at most (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "Per request (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  /** One request's outcome. */
  record Result(
      int seq, int status, String servedBy, double millis, String error, String traceId) {}

  /** The JSON of {@code -o json}. */
  record Report(
      String url,
      String from,
      int requests,
      int failed,
      Map<String, Integer> servedBy,
      Map<String, Double> latencyMillis,
      List<Result> results) {}

  @Override
  public Integer call() throws Exception {
    if (count < 1 || count > 1_000_000) {
      throw new UsageException("--count: " + count + " (expected: 1..1000000)");
    }
    if (concurrency < 1 || concurrency > 1000) {
      throw new UsageException("--concurrency: " + concurrency + " (expected: 1..1000)");
    }
    if (rate < 0) {
      throw new UsageException("--rate: " + rate + " (expected: >= 0 requests per second)");
    }
    long timeoutMillis = Durations.parse("--timeout", timeout).toMillis();
    URI target = parseUrl();
    StateDir state = stateDir.existing();
    RunningTopology.cluster(state, "--cluster", cluster);
    ClusterStatus.Workload caller = workload(state);
    String[] outbound = caller.outbound().split(":");
    int port = target.getPort() > 0 ? target.getPort() : 80;
    String path =
        (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
            + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());

    Vertx vertx = Vertx.vertx();
    List<Result> results = Collections.synchronizedList(new ArrayList<>());
    try {
      HttpClient http =
          vertx.createHttpClient(
              new HttpClientOptions().setKeepAlive(true),
              new io.vertx.core.http.PoolOptions().setHttp1MaxSize(concurrency));
      Semaphore inFlight = new Semaphore(concurrency);
      List<CompletableFuture<Void>> all = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        if (rate > 0) {
          long due = start + (long) (i * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        }
        inFlight.acquire();
        int seq = i + 1;
        long t0 = System.nanoTime();
        RequestOptions ro =
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setServer(
                    SocketAddress.inetSocketAddress(Integer.parseInt(outbound[1]), outbound[0]))
                .setHost(target.getHost())
                .setPort(port)
                .setURI(path)
                .setTimeout(timeoutMillis);
        Future<Result> f = OnContext.run(vertx, () -> exchange(http, ro, seq, t0));
        all.add(
            f.toCompletionStage()
                .toCompletableFuture()
                .thenAccept(
                    r -> {
                      results.add(r);
                      inFlight.release();
                    }));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
          .get(timeoutMillis * count + 30_000, TimeUnit.MILLISECONDS);
    } finally {
      vertx.close();
    }
    List<Result> sorted = new ArrayList<>(results);
    sorted.sort((a, b) -> Integer.compare(a.seq(), b.seq()));
    return report(caller, sorted);
  }

  private URI parseUrl() {
    try {
      URI u = URI.create(url);
      if (!"http".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("not an http URL");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "URL: '"
              + url
              + "' (expected: http://<service>.<namespace>.svc.clusterset.local:<port>/<path>)");
    }
  }

  private ClusterStatus.Workload workload(StateDir state) {
    ClusterStatus status;
    try (ControlClient client = ControlClient.of(state, cluster)) {
      status = client.status();
    }
    List<String> names = new ArrayList<>();
    for (ClusterStatus.Workload w : status.workloads()) {
      if (w.pod().equals(from) || w.service().equals(from)) {
        return w;
      }
      names.add(w.pod());
    }
    throw new UsageException(
        "--from: no running workload '"
            + from
            + "' in cluster "
            + cluster
            + " (expected: a service or pod of it: "
            + String.join(", ", names)
            + ")");
  }

  private static String servedBy(String body) {
    try {
      JsonObject j = new JsonObject(body);
      return j.getString("cluster") + "/" + j.getString("zone") + "/" + j.getString("pod");
    } catch (RuntimeException e) {
      return "-";
    }
  }

  private static String oneLine(String s) {
    String t = s.strip().replace('\n', ' ');
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  private int report(ClusterStatus.Workload caller, List<Result> results) {
    Map<String, Integer> served = new TreeMap<>();
    Map<String, Integer> errors = new TreeMap<>();
    List<Double> latencies = new ArrayList<>();
    int failed = 0;
    for (Result r : results) {
      latencies.add(r.millis());
      if (r.error() == null) {
        served.merge(r.servedBy(), 1, Integer::sum);
      } else {
        failed++;
        errors.merge(
            (r.status() == 0 ? "error" : String.valueOf(r.status())) + ": " + r.error(),
            1,
            Integer::sum);
      }
    }
    Collections.sort(latencies);
    Map<String, Double> summary = new java.util.LinkedHashMap<>();
    summary.put("p50", percentile(latencies, 50));
    summary.put("p90", percentile(latencies, 90));
    summary.put("p99", percentile(latencies, 99));
    summary.put("max", latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1));
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(
          Json.write(
              new Report(url, caller.pod(), results.size(), failed, served, summary, results)));
    } else {
      out.printf(
          Locale.ROOT,
          "%d request(s) to %s from %s (%s, via %s)%n",
          results.size(),
          url,
          caller.pod(),
          cluster,
          caller.outbound());
      if (results.size() <= 20) {
        for (Result r : results) {
          out.printf(
              Locale.ROOT,
              "  #%-3d %s %-45s %7.1f ms%s%s%n",
              r.seq(),
              r.status() == 0 ? "ERR" : String.valueOf(r.status()),
              r.servedBy(),
              r.millis(),
              r.traceId() == null ? "" : "  trace " + r.traceId(),
              r.error() == null ? "" : "  " + r.error());
        }
      }
      out.println("served by:");
      served.forEach((k, v) -> out.printf(Locale.ROOT, "  %-45s %d%n", k, v));
      out.printf(Locale.ROOT, "failed: %d%n", failed);
      errors.forEach((k, v) -> out.printf(Locale.ROOT, "  %dx %s%n", v, k));
      out.printf(
          Locale.ROOT,
          "latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n",
          summary.get("p50"),
          summary.get("p90"),
          summary.get("p99"),
          summary.get("max"));
    }
    out.flush();
    return failed == 0 ? Fedmesh.EXIT_OK : Fedmesh.EXIT_NOT_READY;
  }

  private static double percentile(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /** One GET through the sidecar, its failure turned into a result (runs on a Vert.x context). */
  private static Future<Result> exchange(HttpClient http, RequestOptions ro, int seq, long t0) {
    return http.request(ro)
        .compose(req -> req.send())
        .compose(
            resp ->
                resp.body()
                    .map(
                        b ->
                            new Result(
                                seq,
                                resp.statusCode(),
                                servedBy(b.toString()),
                                (System.nanoTime() - t0) / 1e6,
                                resp.statusCode() / 100 == 2 ? null : oneLine(b.toString()),
                                resp.getHeader(SidecarTracing.TRACE_ID_HEADER))))
        .recover(
            e ->
                Future.succeededFuture(
                    new Result(
                        seq,
                        0,
                        "-",
                        (System.nanoTime() - t0) / 1e6,
                        String.valueOf(e.getMessage()),
                        null)));
  }
}
