package io.fedmesh.bench;

import io.fedmesh.bench.LoadGenerator.Protocol;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The data-plane benchmark: the same load, in one run, through five paths on 127.0.0.1 to the same
 * {@link UpstreamApp} — direct; fedmesh same-cluster (sidecar → mTLS → sidecar); fedmesh
 * cross-cluster (sidecar → mTLS through the east-west gateway's SNI passthrough → sidecar); nginx
 * and HAProxy chains doing the same three hops — reported as medians of repeats and as ratios to
 * the direct path and to the better peer chain. Driven by {@code bench/run-dataplane.sh}, which
 * builds, installs nginx/HAProxy, makes the certificates with {@code fedmesh ca} and pins this JVM
 * (the load generator) to its own core.
 *
 * <p>Per repeat and path, for each {@link Protocol} asked for: HTTP/1.1 keep-alive open-loop runs
 * at each fixed rate (latency from the due time, wrk2's coordinated-omission correction) and one
 * closed-loop run for maximum throughput, for a small and a 16 KiB body; HTTP/2 (h2c), gRPC unary
 * and new-connection-per-request the same at the first rate and max, small body, half the duration.
 * CPU seconds per 10k requests of every proxy process the load goes through, and resident memory,
 * from {@code /proc}. Start-to-ready of each proxy kind is measured in its own phase, one process
 * at a time.
 */
public final class DataplaneBench {
  private static final Duration READY_BOUND = Duration.ofSeconds(90);

  /**
   * How long a path may take to answer its first requests: on a cold, loaded machine the first
   * request can time out and the sidecar then ejects the endpoint for a while.
   */
  private static final Duration CHECK_BOUND = Duration.ofSeconds(60);

  private final Options opt;
  private final PrintStream out;
  private final Chains chains;
  private final List<Proc> running = new ArrayList<>();
  private final List<BenchPath> paths = new ArrayList<>();
  private final Map<String, List<Duration>> startup = new LinkedHashMap<>();
  private final List<Measurement> measurements = new ArrayList<>();
  private final Map<String, Long> idleRss = new LinkedHashMap<>();

  /**
   * Peak RSS (KiB) of each proxy while its path served HTTP/1.1 at the first rate before any other
   * load ({@link #measureFreshRss}): the sidecar RSS target is stated at 1000/s, and every later
   * run follows the warm-ups.
   */
  private final Map<String, Long> freshRss = new LinkedHashMap<>();

  private final List<String> notes = new ArrayList<>();
  private final long clockTicks;
  private final Map<Proc, Chains.Launch> launches = new LinkedHashMap<>();
  private Proc app;
  private final long t0 = System.nanoTime();

  /**
   * Where one protocol's load goes on a path: the first hop's port, the Host header or {@code
   * :authority}, and the proxy processes the requests go through (their CPU is counted).
   */
  record Target(int port, String host, List<Proc> procs) {}

  /** One benchmark path: its processes and, per protocol, where the generator sends. */
  static final class BenchPath {
    final String key;
    final String label;
    final boolean peer;
    final List<Proc> procs = new ArrayList<>();
    final Map<Protocol, Target> targets = new EnumMap<>(Protocol.class);

    /** Why the whole path was left out (its HTTP/1.1 check failed), or null. */
    String failure;

    /** Protocols whose check failed on this path, with why; the others are still measured. */
    final Map<Protocol, String> protocolFailures = new EnumMap<>(Protocol.class);

    BenchPath(String key, String label, boolean peer) {
      this.key = key;
      this.label = label;
      this.peer = peer;
    }

    /** The same target for each of {@code protocols}. */
    void target(Target t, Protocol... protocols) {
      for (Protocol p : protocols) {
        targets.put(p, t);
      }
    }

    /** Whether {@code protocol}'s load runs on this path. */
    boolean runs(Protocol protocol) {
      return failure == null
          && targets.containsKey(protocol)
          && !protocolFailures.containsKey(protocol);
    }
  }

  /** A body size the app serves. */
  enum Body {
    SMALL(UpstreamApp.SMALL_PATH, UpstreamApp.SMALL_BYTES, "64 B"),
    LARGE(UpstreamApp.LARGE_PATH, UpstreamApp.LARGE_BYTES, "16 KiB");

    final String uri;
    final int bytes;
    final String label;

    Body(String uri, int bytes, String label) {
      this.uri = uri;
      this.bytes = bytes;
      this.label = label;
    }
  }

  /**
   * One run of one path: {@code rate} 0 means closed loop; CPU seconds and peak RSS (KiB) per proxy
   * process the load went through.
   */
  record Measurement(
      int repeat,
      String path,
      Protocol protocol,
      Body body,
      int rate,
      LoadGenerator.Result result,
      Map<String, Double> cpuSeconds,
      Map<String, Long> peakRssKib) {}

  private DataplaneBench(Options opt, PrintStream out) throws IOException {
    this.opt = opt;
    this.out = out;
    this.chains =
        new Chains(
            opt.work, opt.certs, opt.cliJar, opt.proxyJvmFlags, !opt.smoke, opt.upgradeHttp1);
    this.clockTicks = Host.clockTicks();
  }

  /** Runs the benchmark; see {@code bench/run-dataplane.sh --help} for the arguments. */
  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    Options opt = Options.parse(args);
    Proc.pidFile(opt.work.resolve("pids"));
    DataplaneBench bench = new DataplaneBench(opt, out);
    AtomicBoolean done = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(bench::stopAll, "stop-processes"));
    Duration bound = opt.timeBound();
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(bound.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              if (!done.get()) {
                out.println(
                    "dataplane: run exceeded its bound of "
                        + bound.toSeconds()
                        + " s; stopping every process");
                System.exit(3);
              }
            },
            "watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    int status;
    try {
      status = bench.run();
    } finally {
      done.set(true);
      bench.stopAll();
    }
    System.exit(status);
  }

  private int run() throws Exception {
    String machine = Host.describe(opt);
    out.println(machine);
    out.printf(
        Locale.ROOT,
        "dataplane: %d repeat(s) × %d path(s) × (%s); bounded at %d s%n",
        opt.repeats,
        opt.pathCount(),
        opt.plan(),
        opt.timeBound().toSeconds());
    boolean nginx = opt.wants("nginx") && Host.onPath("nginx");
    boolean haproxy = opt.wants("haproxy") && Host.onPath("haproxy");
    if (opt.wants("nginx") && !nginx) {
      notes.add("nginx is not installed: the nginx chain was skipped.");
    }
    if (opt.wants("haproxy") && !haproxy) {
      notes.add("HAProxy is not installed: the HAProxy chain was skipped.");
    }
    if (!opt.smoke) {
      measureStartup(nginx, haproxy);
    }
    startChains(nginx, haproxy);
    phase("every process ready");
    for (BenchPath p : paths) {
      for (Proc proc : p.procs) {
        idleRss.put(proc.name, proc.rssKib());
      }
    }
    Vertx vertx = LoadGenerator.vertx(Chains.MESH_HOSTS);
    try {
      for (BenchPath p : paths) {
        check(vertx, p);
      }
      if (!opt.freshRss.isZero() && opt.wants(Protocol.H1)) {
        for (BenchPath p : paths) {
          if (!p.procs.isEmpty() && p.failure == null) {
            measureFreshRss(vertx, p);
          }
        }
        phase("RSS at " + opt.rates.get(0) + "/s on fresh proxies");
      }
      for (BenchPath p : paths) {
        for (Protocol proto : opt.protocols) {
          if (p.runs(proto)) {
            for (Body b : opt.bodies(proto)) {
              warmUp(vertx, p, proto, b);
            }
          }
        }
      }
      phase("paths checked and warmed up");
      for (int r = 0; r < opt.repeats; r++) {
        // Rotate the order so that no path always runs first (or last) in a repeat.
        for (int i = 0; i < paths.size(); i++) {
          BenchPath p = paths.get((i + r) % paths.size());
          for (Protocol proto : opt.protocols) {
            if (!p.runs(proto)) {
              continue;
            }
            for (Body b : opt.bodies(proto)) {
              for (int rate : opt.rates(proto)) {
                measure(vertx, r, p, proto, b, rate);
              }
              measure(vertx, r, p, proto, b, 0);
            }
          }
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    phase("measured");
    String md =
        new Report(opt, machine, paths, measurements, startup, idleRss, freshRss, notes).markdown();
    Path file =
        opt.results.resolve(
            (opt.smoke ? "dataplane-smoke" : "dataplane")
                + "-java"
                + Runtime.version().feature()
                + ".md");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, md, StandardCharsets.UTF_8);
    out.println();
    out.println(md);
    out.println("written to " + file);
    boolean failed =
        paths.stream().anyMatch(p -> p.failure != null || !p.protocolFailures.isEmpty());
    return failed ? 1 : 0;
  }

  /** Load step over which the proxies' JIT compilers must stay (nearly) idle to end a warm-up. */
  private static final Duration JIT_STEP = Duration.ofSeconds(1);

  /** Compiler CPU allowed in a quiet {@link #JIT_STEP}: 2 ticks, 20 ms, 2 % of one core. */
  private static final long JIT_QUIET_TICKS = 2;

  /** Bound on the open-loop part of a warm-up, per rate (within {@code --warmup}'s own bound). */
  private static final Duration OPEN_LOOP_WARMUP_BOUND = Duration.ofSeconds(25);

  private LoadGenerator generator(
      Vertx vertx, BenchPath p, Protocol proto, Body b, int concurrency) {
    Target t = p.targets.get(proto);
    return new LoadGenerator(vertx, proto, t.port(), t.host(), b.uri, concurrency, b.bytes);
  }

  /**
   * Closed-loop load until the path has served {@code warmupRequests} (so that the JIT has compiled
   * the proxies' hot paths, however slow the machine) and then until the proxies' JIT compilers
   * have gone quiet (at most {@link #JIT_QUIET_TICKS} of compiler CPU in a {@link #JIT_STEP} of
   * load), within the {@code warmup} bound; the same for every protocol: HTTP/2 and gRPC run code
   * HTTP/1.1 never reached. The request count alone was not enough: with the C2 thresholds of
   * bin/proxy-jvm.options a sidecar's C2 thread went on compiling for about half a minute after 30k
   * requests, on the core the proxies share, during the first measured runs.
   *
   * <p>Then, on a path whose proxies compile, at each of the load's fixed rates, open-loop load
   * until the path has served half the closed loop's count at that rate (15,000 by default: a
   * method called once per request reaches the C2 threshold of bin/proxy-jvm.options) and the
   * compilers are quiet at that rate too, at most {@link Options#openLoopWarmup} each: a proxy
   * woken for every request can run code the closed loop's full reads and writes do not (C2
   * compiled for 0.07–0.94 s of each 3 s in the sidecars during the first HTTP/2 runs at 1000/s;
   * most of that was the new connections' doing, below).
   *
   * <p>Every check after the first count runs on new connections, as every measured run does: C2
   * compiles what one long-lived connection never takes (a new stream id's first branches, a
   * connection's set-up) as traps, and each run's new connections then threw the proxies' hottest
   * compiled code (the event loop's read path, with the HTTP/2 decoder inlined) back to the
   * interpreter, to be compiled again during the run (Java 25: a burst of about 40 deoptimizations
   * at the start of each run, C2 busy through it, HTTP/2 at 1000/s with a p50 of up to 14 ms).
   */
  private void warmUp(Vertx vertx, BenchPath p, Protocol proto, Body b) throws Exception {
    Duration bound = opt.warmup;
    Duration step = min(bound, Duration.ofMillis(500));
    Duration jitStep = min(bound, JIT_STEP);
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    long served = 0;
    long compilerAtStart = compilerTicks(p);
    try (LoadGenerator g = generator(vertx, p, proto, b, opt.connections)) {
      while (served < opt.warmupRequests && System.nanoTime() < deadline) {
        served += g.closedLoop(step).completed();
      }
    }
    // A path whose processes have no JIT (direct, nginx, HAProxy) has nothing more to warm.
    boolean compiles = compilerTicks(p) > compilerAtStart;
    List<String> unsettled = new ArrayList<>();
    if (compiles) {
      WarmUp closed = untilQuiet(vertx, p, proto, b, 0, deadline, g -> g.closedLoop(jitStep));
      served += closed.served();
      if (!closed.settled()) {
        unsettled.add(
            String.format(Locale.ROOT, "the closed loop (%.1f s)", bound.toMillis() / 1000.0));
      }
      Duration rateBound = opt.openLoopWarmup();
      for (int rate : opt.rates(proto)) {
        WarmUp open =
            untilQuiet(
                vertx,
                p,
                proto,
                b,
                opt.warmupRequests / 2,
                System.nanoTime() + rateBound.toNanos(),
                g -> g.openLoop(rate, jitStep));
        served += open.served();
        if (!open.settled()) {
          unsettled.add(
              String.format(Locale.ROOT, "%d/s (%.1f s)", rate, rateBound.toMillis() / 1000.0));
        }
      }
    }
    if (!unsettled.isEmpty()) {
      notes.add(
          String.format(
              Locale.ROOT,
              "%s, %s %s: the warm-up of %s ended with the proxies' JIT compilers still busy"
                  + " (or short of its request count, or with no request served); those runs may"
                  + " show compilation.",
              p.label,
              proto.label,
              b.label,
              String.join(" and ", unsettled)));
    }
    out.printf(
        Locale.ROOT,
        "dataplane: warmed up %s, %s %s: %d requests in %.1f s, JIT compiler CPU %.2f s%s%n",
        p.label,
        proto.label,
        b.label,
        served,
        (System.nanoTime() - start) / 1e9,
        (compilerTicks(p) - compilerAtStart) / 100.0,
        unsettled.isEmpty() ? ", then quiet" : ", still compiling at the bound");
  }

  /** One step of warm-up load on a generator. */
  private interface LoadStep {
    LoadGenerator.Result run(LoadGenerator g) throws Exception;
  }

  /** What {@link #untilQuiet} served, and whether it ended with its count met and quiet. */
  private record WarmUp(long served, boolean settled) {}

  /**
   * Steps of load, each on new connections (as each measured run starts on new ones), until {@code
   * count} requests are served and a step leaves the proxies' compilers quiet (at most {@link
   * #JIT_QUIET_TICKS} of compiler CPU), or until {@code deadline}, or until a step serves no
   * request at all (the measured runs will then say why).
   */
  private WarmUp untilQuiet(
      Vertx vertx, BenchPath p, Protocol proto, Body b, long count, long deadline, LoadStep step)
      throws Exception {
    long served = 0;
    boolean quiet = false;
    while ((served < count || !quiet) && System.nanoTime() < deadline) {
      long before = compilerTicks(p);
      long completed;
      try (LoadGenerator g = generator(vertx, p, proto, b, opt.connections)) {
        completed = step.run(g).completed();
      }
      if (completed == 0) {
        return new WarmUp(served, false);
      }
      served += completed;
      quiet = compilerTicks(p) - before <= JIT_QUIET_TICKS;
    }
    return new WarmUp(served, quiet && served >= count);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static long compilerTicks(BenchPath p) {
    return p.procs.stream().mapToLong(Proc::compilerTicks).sum();
  }

  /**
   * One request per body must come back whole through the path over HTTP/1.1, or the path is left
   * out; then one request of each other protocol, or that protocol is left out on the path.
   */
  private void check(Vertx vertx, BenchPath p) throws Exception {
    long deadline = System.nanoTime() + CHECK_BOUND.toNanos();
    for (Protocol proto : Protocol.values()) {
      if (!p.targets.containsKey(proto) || (proto != Protocol.H1 && !opt.wants(proto))) {
        continue;
      }
      for (Body b : proto == Protocol.H1 ? List.of(Body.values()) : List.of(Body.SMALL)) {
        LoadGenerator.Result r = null;
        while (System.nanoTime() < deadline) {
          try (LoadGenerator g = generator(vertx, p, proto, b, 1)) {
            r = g.closedLoop(Duration.ofMillis(100));
          }
          if (r.completed() > 0 && r.errors() == 0) {
            break;
          }
        }
        if (r == null || r.completed() == 0 || r.errors() > 0) {
          StringBuilder why = new StringBuilder();
          why.append(proto == Protocol.GRPC ? "gRPC " + UpstreamApp.GRPC_METHOD : "GET " + b.uri)
              .append(" (")
              .append(proto.label)
              .append(") through ")
              .append(p.label)
              .append(" did not return ")
              .append(proto == Protocol.GRPC ? "status OK" : "200")
              .append(" with ")
              .append(b.bytes)
              .append(" bytes within ")
              .append(CHECK_BOUND.toSeconds())
              .append(" s");
          for (Proc proc : p.targets.get(proto).procs()) {
            why.append("\n--- ").append(proc.name).append(" log:\n").append(proc.tail());
          }
          if (proto == Protocol.H1) {
            p.failure = why.toString();
            out.println("dataplane: path left out: " + p.failure);
            return;
          }
          p.protocolFailures.put(proto, why.toString());
          out.println("dataplane: " + proto.label + " left out on " + p.label + ": " + why);
          break;
        }
      }
    }
    out.println("dataplane: path ok: " + p.label);
  }

  private void measure(Vertx vertx, int repeat, BenchPath p, Protocol proto, Body b, int rate)
      throws Exception {
    List<Proc> procs = p.targets.get(proto).procs();
    Duration duration = opt.duration(proto);
    try (LoadGenerator g = generator(vertx, p, proto, b, opt.connections)) {
      g.closedLoop(opt.preWarm); // opens the connections; not counted
      Map<String, Long> ticks0 = new LinkedHashMap<>();
      for (Proc proc : procs) {
        ticks0.put(proc.name, proc.cpuTicks());
      }
      RssSampler sampler = new RssSampler(procs);
      LoadGenerator.Result result;
      try {
        result = rate > 0 ? g.openLoop(rate, duration) : g.closedLoop(duration);
      } finally {
        sampler.stop();
      }
      Map<String, Long> peak = sampler.peak();
      Map<String, Double> cpu = new LinkedHashMap<>();
      for (Proc proc : procs) {
        cpu.put(proc.name, (proc.cpuTicks() - ticks0.get(proc.name)) / (double) clockTicks);
      }
      measurements.add(new Measurement(repeat, p.key, proto, b, rate, result, cpu, peak));
      out.printf(
          Locale.ROOT,
          "repeat %d  %-26s %-22s %-6s %-9s %8.0f rps  p50 %8.0f µs  p99 %8.0f µs"
              + "  p99.9 %8.0f µs  errors %d  incomplete %d%n",
          repeat + 1,
          p.label,
          proto.label,
          b.label,
          rate > 0 ? rate + "/s" : "max",
          result.ratePerSecond(),
          result.percentileMicros(50),
          result.percentileMicros(99),
          result.percentileMicros(99.9),
          result.errors(),
          result.incomplete());
      if (!cpu.isEmpty()) {
        StringBuilder per = new StringBuilder("          CPU s / 10k req:");
        cpu.forEach(
            (name, s) ->
                per.append(
                    String.format(
                        Locale.ROOT,
                        "  %s %.2f",
                        name,
                        s / Math.max(1, result.completed()) * 10_000)));
        out.println(per);
      }
    }
  }

  /**
   * RSS of the path's proxies under HTTP/1.1 64 B at the first rate ({@code --rates}, 1000/s by
   * default) for {@code --fresh-rss}, before they served any other load: what a new sidecar takes
   * at that rate, JIT compilation included. Later runs follow the warm-ups.
   */
  private void measureFreshRss(Vertx vertx, BenchPath p) throws Exception {
    List<Proc> procs = p.targets.get(Protocol.H1).procs();
    int rate = opt.rates.get(0);
    LoadGenerator.Result result;
    RssSampler sampler = new RssSampler(procs);
    try (LoadGenerator g = generator(vertx, p, Protocol.H1, Body.SMALL, opt.connections)) {
      result = g.openLoop(rate, opt.freshRss);
    } finally {
      sampler.stop();
    }
    Map<String, Long> peak = sampler.peak();
    freshRss.putAll(peak);
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "fresh     %-26s %d/s for %d s: %.0f rps, errors %d; RSS peak MiB:",
                p.label,
                rate,
                opt.freshRss.toSeconds(),
                result.ratePerSecond(),
                result.errors()));
    peak.forEach(
        (name, kib) -> line.append(String.format(Locale.ROOT, "  %s %.1f", name, kib / 1024.0)));
    out.println(line);
  }

  /** Samples the RSS of some processes every 250 ms from its creation until {@link #stop}. */
  private static final class RssSampler {
    private final Map<String, Long> peak = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicBoolean sampling = new AtomicBoolean(true);
    private final Thread thread;

    RssSampler(List<Proc> procs) {
      thread =
          new Thread(
              () -> {
                while (sampling.get()) {
                  for (Proc proc : procs) {
                    peak.merge(proc.name, proc.rssKib(), Math::max);
                  }
                  java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L);
                }
              },
              "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      sampling.set(false);
      thread.join(5_000);
    }

    /** The highest RSS seen of each process, KiB. */
    Map<String, Long> peak() {
      return Map.copyOf(peak);
    }
  }

  /** Start-to-ready of each proxy kind, one process at a time on an otherwise idle machine. */
  private void measureStartup(boolean nginx, boolean haproxy) throws Exception {
    int inbound = chains.freePort();
    Path west = chains.westConfig("startup-west.yaml", inbound, 0);
    List<Chains.Launch> kinds = new ArrayList<>();
    kinds.add(
        chains.sidecar(
            "fedmesh sidecar",
            west,
            "app-west",
            Chains.EAST_DOMAIN,
            inbound,
            chains.freePort(),
            false));
    kinds.add(chains.gateway("fedmesh gateway", west, chains.freePort()));
    if (nginx) {
      kinds.add(chains.nginx("inbound", "startup", chains.freePort(), 0, chains.appPort));
    }
    if (haproxy) {
      kinds.add(chains.haproxy("inbound", "startup", chains.freePort(), 0, chains.appPort));
    }
    for (Chains.Launch k : kinds) {
      String kind = k.name();
      // The first start is not counted: it warms the page cache and, on Java 19+, writes the
      // CDS archive that the counted starts use.
      for (int i = 0; i <= opt.repeats; i++) {
        try (Proc p = launch(k, 0, "startup-" + i)) {
          Duration d = awaitReady(p, k);
          if (i > 0) {
            startup.computeIfAbsent(kind, x -> new ArrayList<>()).add(d);
          }
        }
      }
      out.println(
          "dataplane: start-to-ready "
              + kind
              + " (ms): "
              + startup.get(kind).stream().map(d -> Long.toString(d.toMillis())).toList());
    }
    phase("start-up phase done");
  }

  private void phase(String what) {
    out.printf(Locale.ROOT, "dataplane: [%.1f s] %s%n", (System.nanoTime() - t0) / 1e9, what);
  }

  private void startChains(boolean nginx, boolean haproxy) throws Exception {
    app = launch(chains.app(), 1, "app");
    running.add(app);

    if (opt.wants("direct")) {
      BenchPath direct = new BenchPath("direct", "direct", false);
      direct.target(
          new Target(chains.appPort, Chains.HOST_CLUSTERSET, List.of()), Protocol.values());
      paths.add(direct);
    }
    if (opt.wants("fedmesh-same")) {
      startSame();
    }
    if (opt.wants("fedmesh-cross")) {
      startCross();
    }
    if (nginx) {
      paths.add(
          peerChain(
              "nginx",
              "nginx chain",
              (role, port, h2Port, next) -> chains.nginx(role, role, port, h2Port, next)));
    }
    if (haproxy) {
      paths.add(
          peerChain(
              "haproxy",
              "HAProxy chain",
              (role, port, h2Port, next) -> chains.haproxy(role, role, port, h2Port, next)));
    }
    // All started at once; now wait for each.
    awaitReady(app, chains.app());
    for (BenchPath p : paths) {
      for (int i = 0; i < p.procs.size(); i++) {
        awaitReady(p.procs.get(i), launches.get(p.procs.get(i)));
      }
    }
  }

  /**
   * fedmesh same-cluster: client sidecar → mTLS → server sidecar → app. The HTTP/2 and gRPC loads
   * go to service {@value Chains#H2_SERVICE}, whose server sidecar speaks h2c to the app ({@code
   * --app-http2}), so they stay HTTP/2 end to end; started only when one of them runs.
   */
  private void startSame() throws IOException {
    BenchPath same = new BenchPath("fedmesh-same", "fedmesh same-cluster", false);
    int inbound = chains.freePort();
    int h2Inbound = opt.wantsHttp2() ? chains.freePort() : 0;
    Path west = chains.westConfig("west-same.yaml", inbound, h2Inbound);
    int port = chains.freePort();
    List<Proc> servers = serverSidecars(same, "fm-same", west, null, inbound, h2Inbound);
    Proc client =
        start(
            same,
            chains.sidecar(
                "fm-same client sidecar",
                west,
                "client-west",
                null,
                chains.freePort(),
                port,
                false));
    fedmeshTargets(same, port, Chains.HOST_LOCAL, Chains.HOST_LOCAL_H2, servers, List.of(client));
    paths.add(same);
  }

  /**
   * fedmesh cross-cluster: client sidecar (east) → mTLS through west's gateway (SNI passthrough) →
   * server sidecar → app; HTTP/2 and gRPC as in {@link #startSame}.
   */
  private void startCross() throws IOException {
    BenchPath cross = new BenchPath("fedmesh-cross", "fedmesh cross-cluster", false);
    int inbound = chains.freePort();
    int h2Inbound = opt.wantsHttp2() ? chains.freePort() : 0;
    int gatewayPort = chains.freePort();
    Path west = chains.westConfig("west-cross.yaml", inbound, h2Inbound);
    Path east = chains.eastConfig("east-cross.yaml", gatewayPort, h2Inbound != 0);
    int port = chains.freePort();
    List<Proc> servers =
        serverSidecars(cross, "fm-cross", west, Chains.EAST_DOMAIN, inbound, h2Inbound);
    Proc gateway = start(cross, chains.gateway("fm-cross gateway", west, gatewayPort));
    Proc client =
        start(
            cross,
            chains.sidecar(
                "fm-cross client sidecar",
                east,
                "client-east",
                Chains.WEST_DOMAIN,
                chains.freePort(),
                port,
                false));
    fedmeshTargets(
        cross,
        port,
        Chains.HOST_CLUSTERSET,
        Chains.HOST_CLUSTERSET_H2,
        servers,
        List.of(gateway, client));
    paths.add(cross);
  }

  /**
   * The app's server sidecar on {@code inbound}, and when {@code h2Inbound} is not 0 a second one
   * there started with {@code --app-http2}.
   */
  private List<Proc> serverSidecars(
      BenchPath p, String prefix, Path west, String peerDomain, int inbound, int h2Inbound)
      throws IOException {
    List<Proc> servers = new ArrayList<>();
    servers.add(
        start(
            p,
            chains.sidecar(
                prefix + " server sidecar",
                west,
                "app-west",
                peerDomain,
                inbound,
                chains.freePort(),
                false)));
    if (h2Inbound != 0) {
      servers.add(
          start(
              p,
              chains.sidecar(
                  prefix + " h2 server sidecar",
                  west,
                  "app-west",
                  peerDomain,
                  h2Inbound,
                  chains.freePort(),
                  true)));
    }
    return servers;
  }

  /**
   * HTTP/1.1 loads to {@code host} through the first server sidecar and {@code rest}; HTTP/2 and
   * gRPC to {@code h2Host} through the second (when started) and {@code rest}.
   */
  private static void fedmeshTargets(
      BenchPath p, int port, String host, String h2Host, List<Proc> servers, List<Proc> rest) {
    for (int i = 0; i < servers.size(); i++) {
      List<Proc> procs = new ArrayList<>();
      procs.add(servers.get(i));
      procs.addAll(rest);
      if (i == 0) {
        p.target(new Target(port, host, List.copyOf(procs)), Protocol.H1, Protocol.NEWCONN);
      } else {
        p.target(new Target(port, h2Host, List.copyOf(procs)), Protocol.H2, Protocol.GRPC);
      }
    }
  }

  @FunctionalInterface
  private interface PeerLaunch {
    Chains.Launch make(String role, int port, int h2Port, int next) throws IOException;
  }

  /**
   * A peer's three processes; HTTP/1.1 loads go to the outbound proxy's first listener, HTTP/2 and
   * gRPC to its h2c listener, all through the same processes.
   */
  private BenchPath peerChain(String key, String label, PeerLaunch make) throws IOException {
    BenchPath p = new BenchPath(key, label, true);
    int inbound = chains.freePort();
    int gateway = chains.freePort();
    int port = chains.freePort();
    int h2Port = chains.freePort();
    start(p, make.make("inbound", inbound, 0, chains.appPort));
    start(p, make.make("gateway", gateway, 0, inbound));
    start(p, make.make("outbound", port, h2Port, gateway));
    List<Proc> procs = List.copyOf(p.procs);
    p.target(new Target(port, Chains.HOST_CLUSTERSET, procs), Protocol.H1, Protocol.NEWCONN);
    p.target(new Target(h2Port, Chains.HOST_CLUSTERSET, procs), Protocol.H2, Protocol.GRPC);
    return p;
  }

  private Proc start(BenchPath p, Chains.Launch l) throws IOException {
    Proc proc = launch(l, 0, l.name().replace(' ', '-'));
    launches.put(proc, l);
    running.add(proc);
    p.procs.add(proc);
    return proc;
  }

  private Proc launch(Chains.Launch l, int cpu, String logName) throws IOException {
    return Proc.start(
        l.name(),
        l.command(),
        opt.pin ? cpu : -1,
        opt.work.resolve(logName + ".log"),
        l.readyMarker());
  }

  private static Duration awaitReady(Proc p, Chains.Launch l) throws Exception {
    return l.readyMarker() != null
        ? p.awaitMarker(READY_BOUND)
        : p.awaitPort(l.readyPort(), READY_BOUND);
  }

  private synchronized void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    running.clear();
  }

  /** Parsed arguments. */
  static final class Options {
    /** Every path's key, in the order they run. */
    static final List<String> PATHS =
        List.of("direct", "fedmesh-same", "fedmesh-cross", "nginx", "haproxy");

    boolean smoke;
    List<Integer> rates = List.of(1000, 5000);
    int repeats = 5;
    Duration duration = Duration.ofSeconds(10);
    int connections = 16;
    Duration warmup = Duration.ofSeconds(60);
    long warmupRequests = 30_000;
    Duration preWarm = Duration.ofMillis(500);

    /** Length of the fresh-proxy RSS run of each path ({@link #measureFreshRss}); 0: none. */
    Duration freshRss = Duration.ofSeconds(10);

    boolean pin = true;

    /**
     * Whether fedmesh's client sidecars ({@code --upgrade-http1}) and the HAProxy chain ({@code
     * alpn h2} on the outbound's server line) carry HTTP/1.1 between their proxies as HTTP/2; nginx
     * cannot (HTTP/1.1 upstream only).
     */
    boolean upgradeHttp1;

    Path work;
    Path certs;
    Path cliJar;
    Path results = Path.of("bench/results");
    List<String> proxyJvmFlags = List.of();
    List<String> paths = PATHS;
    List<Protocol> protocols = List.of(Protocol.values());
    String command = "bench/run-dataplane.sh";

    static Options parse(String[] args) {
      Options o = new Options();
      List<String> given = new ArrayList<>();
      boolean ratesGiven = false;
      boolean repeatsGiven = false;
      boolean durationGiven = false;
      boolean freshGiven = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--smoke" -> {
            o.smoke = true;
            given.add(a);
          }
          case "--no-pin" -> o.pin = false;
          case "--upgrade-http1" -> {
            o.upgradeHttp1 = true;
            given.add(a);
          }
          case "--rates" -> {
            o.rates = Options.rates(value(args, ++i, a));
            ratesGiven = true;
            given.add(a + " " + args[i]);
          }
          case "--repeats" -> {
            o.repeats = positive(a, value(args, ++i, a));
            repeatsGiven = true;
            given.add(a + " " + args[i]);
          }
          case "--duration" -> {
            o.duration = duration(a, value(args, ++i, a));
            durationGiven = true;
            given.add(a + " " + args[i]);
          }
          case "--fresh-rss" -> {
            String v = value(args, ++i, a);
            o.freshRss = v.trim().matches("0+(ms|s|m)?") ? Duration.ZERO : duration(a, v);
            freshGiven = true;
            given.add(a + " " + args[i]);
          }
          case "--connections" -> {
            o.connections = positive(a, value(args, ++i, a));
            given.add(a + " " + args[i]);
          }
          case "--paths" -> {
            o.paths = Options.paths(value(args, ++i, a));
            given.add(a + " " + args[i]);
          }
          case "--protocols" -> {
            o.protocols = Options.protocols(value(args, ++i, a));
            given.add(a + " " + args[i]);
          }
          case "--work" -> o.work = Path.of(value(args, ++i, a));
          case "--certs" -> o.certs = Path.of(value(args, ++i, a));
          case "--cli-jar" -> o.cliJar = Path.of(value(args, ++i, a));
          case "--results" -> o.results = Path.of(value(args, ++i, a));
          case "--proxy-jvm-flags" ->
              o.proxyJvmFlags = List.of(value(args, ++i, a).trim().split("\\s+"));
          default ->
              throw new IllegalArgumentException(
                  "unknown argument '"
                      + a
                      + "' (expected: --smoke, --rates N,N, --repeats N, --duration 10s,"
                      + " --connections N, --paths KEY,KEY, --protocols h1,h2,grpc,newconn,"
                      + " --upgrade-http1, --fresh-rss 10s, --no-pin)");
        }
      }
      if (o.work == null || o.certs == null || o.cliJar == null) {
        throw new IllegalArgumentException(
            "--work, --certs and --cli-jar are required (bench/run-dataplane.sh passes them)");
      }
      if (o.smoke) {
        o.rates = ratesGiven ? o.rates : List.of(200);
        o.repeats = repeatsGiven ? o.repeats : 1;
        o.duration = durationGiven ? o.duration : Duration.ofSeconds(1);
        o.warmup = Duration.ofMillis(500);
        o.warmupRequests = 100;
        o.preWarm = Duration.ofMillis(100);
        o.freshRss = freshGiven ? o.freshRss : Duration.ZERO;
      }
      o.command = String.join(" ", prepend("bench/run-dataplane.sh", given));
      return o;
    }

    private static List<String> prepend(String first, List<String> rest) {
      List<String> l = new ArrayList<>();
      l.add(first);
      l.addAll(rest);
      return l;
    }

    /** Whether the path with this key runs. */
    boolean wants(String key) {
      return paths.contains(key);
    }

    /** Whether this protocol's load runs. */
    boolean wants(Protocol protocol) {
      return protocols.contains(protocol);
    }

    /** Whether an HTTP/2 load (HTTP/2 or gRPC) runs, so fedmesh needs its h2 server sidecars. */
    boolean wantsHttp2() {
      return wants(Protocol.H2) || wants(Protocol.GRPC);
    }

    int pathCount() {
      return paths.size();
    }

    /** HTTP/1.1 keep-alive runs with both bodies; the other protocols with the small one only. */
    List<Body> bodies(Protocol protocol) {
      return protocol == Protocol.H1 ? List.of(Body.values()) : List.of(Body.SMALL);
    }

    /** HTTP/1.1 keep-alive runs at every rate; the other protocols at the first only. */
    List<Integer> rates(Protocol protocol) {
      return protocol == Protocol.H1 ? rates : rates.subList(0, 1);
    }

    /**
     * Length of each run: {@code duration} for HTTP/1.1 keep-alive, half of it for the other
     * protocols (which keeps the default run within about 1.5 times the HTTP/1.1-only one).
     */
    Duration duration(Protocol protocol) {
      return protocol == Protocol.H1 ? duration : duration.dividedBy(2);
    }

    /** What each repeat runs per path, for the log. */
    String plan() {
      List<String> parts = new ArrayList<>();
      for (Protocol p : protocols) {
        parts.add(
            String.format(
                Locale.ROOT,
                "%s: %d bod%s × (rates %s + max) × %d ms",
                p.key,
                bodies(p).size(),
                bodies(p).size() == 1 ? "y" : "ies",
                rates(p),
                duration(p).toMillis()));
      }
      return String.join("; ", parts);
    }

    /** Bound on the open-loop warm-up at each fixed rate: 25 s, or {@code warmup} if shorter. */
    Duration openLoopWarmup() {
      return min(warmup, OPEN_LOOP_WARMUP_BOUND);
    }

    /** A generous bound on the whole run: measurements, drains, starts, then twice that. */
    Duration timeBound() {
      long runsMillis = 0;
      long warmups = 0;
      for (Protocol p : protocols) {
        long perRun =
            duration(p).toMillis() + preWarm.toMillis() + LoadGenerator.DRAIN_BOUND.toMillis() / 2;
        runsMillis += (long) bodies(p).size() * (rates(p).size() + 1) * perRun;
        warmups +=
            bodies(p).size() * (warmup.toMillis() + rates(p).size() * openLoopWarmup().toMillis());
      }
      long starts = smoke ? 0 : 4L * (repeats + 1) * 10_000;
      long fresh = paths.size() * (freshRss.toMillis() + LoadGenerator.DRAIN_BOUND.toMillis());
      long total =
          (long) repeats * paths.size() * runsMillis
              + paths.size() * warmups
              + starts
              + fresh
              + 180_000;
      return Duration.ofMillis(2 * total);
    }

    private static String value(String[] args, int i, String name) {
      if (i >= args.length) {
        throw new IllegalArgumentException(name + " needs a value");
      }
      return args[i];
    }

    private static int positive(String name, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n < 1) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            name + ": '" + v + "' (expected: a positive whole number)");
      }
    }

    private static List<String> paths(String v) {
      List<String> l = new ArrayList<>();
      for (String s : v.split(",")) {
        String k = s.trim();
        if (!PATHS.contains(k)) {
          throw new IllegalArgumentException(
              "--paths: '" + k + "' (expected: a comma-separated subset of " + PATHS + ")");
        }
        l.add(k);
      }
      return List.copyOf(l);
    }

    private static List<Protocol> protocols(String v) {
      List<Protocol> l = new ArrayList<>();
      for (String s : v.split(",")) {
        Protocol p = Protocol.of("--protocols", s.trim());
        if (!l.contains(p)) {
          l.add(p);
        }
      }
      // Always in the same order, whatever order they were given in.
      return Arrays.stream(Protocol.values()).filter(l::contains).toList();
    }

    private static List<Integer> rates(String v) {
      List<Integer> l = new ArrayList<>();
      for (String s : v.split(",")) {
        l.add(positive("--rates", s.trim()));
      }
      return List.copyOf(l);
    }

    private static Duration duration(String name, String v) {
      String s = v.trim().toLowerCase(Locale.ROOT);
      try {
        if (s.endsWith("ms")) {
          return positiveDuration(
              name, v, Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))));
        }
        if (s.endsWith("s")) {
          return positiveDuration(
              name, v, Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1))));
        }
        if (s.endsWith("m")) {
          return positiveDuration(
              name, v, Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1))));
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw new IllegalArgumentException(
          name + ": '" + v + "' (expected: a positive duration such as 500ms, 10s or 2m)");
    }

    private static Duration positiveDuration(String name, String v, Duration d) {
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(
            name + ": '" + v + "' (expected: a positive duration such as 500ms, 10s or 2m)");
      }
      return d;
    }
  }
}
