package io.fedmesh.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The data-plane benchmark: the same HTTP/1.1 load, in one run, through five paths on 127.0.0.1 to
 * the same {@link UpstreamApp} — direct; fedmesh same-cluster (sidecar → mTLS → sidecar); fedmesh
 * cross-cluster (sidecar → mTLS through the east-west gateway's SNI passthrough → sidecar); nginx
 * and HAProxy chains doing the same three hops — reported as medians of repeats and as ratios to
 * the direct path and to the better peer chain. Driven by {@code bench/run-dataplane.sh}, which
 * builds, installs nginx/HAProxy, makes the certificates with {@code fedmesh ca} and pins this JVM
 * (the load generator) to its own core.
 *
 * <p>Per repeat and path: open-loop runs at each fixed rate (latency from the due time, wrk2's
 * coordinated-omission correction) and one closed-loop run for maximum throughput, for a small and
 * a 16 KiB body; CPU seconds per 10k requests and resident memory of every proxy process from
 * {@code /proc}. Start-to-ready of each proxy kind is measured in its own phase, one process at a
 * time.
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
  private final List<String> notes = new ArrayList<>();
  private final long clockTicks;
  private final Map<Proc, Chains.Launch> launches = new LinkedHashMap<>();
  private Proc app;
  private final long t0 = System.nanoTime();

  /** One benchmark path: where the generator sends, with which Host header, through what. */
  static final class BenchPath {
    final String key;
    final String label;
    final boolean peer;
    final String host;
    int port;
    final List<Proc> procs = new ArrayList<>();
    String failure;

    BenchPath(String key, String label, boolean peer, String host) {
      this.key = key;
      this.label = label;
      this.peer = peer;
      this.host = host;
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
   * process.
   */
  record Measurement(
      int repeat,
      String path,
      Body body,
      int rate,
      LoadGenerator.Result result,
      Map<String, Double> cpuSeconds,
      Map<String, Long> peakRssKib) {}

  private DataplaneBench(Options opt, PrintStream out) throws IOException {
    this.opt = opt;
    this.out = out;
    this.chains = new Chains(opt.work, opt.certs, opt.cliJar, opt.proxyJvmFlags, !opt.smoke);
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
        "dataplane: %d repeat(s) × %d path(s) × 2 bodies × (rates %s + max), %d ms each;"
            + " bounded at %d s%n",
        opt.repeats,
        opt.pathCount(),
        opt.rates,
        opt.duration.toMillis(),
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
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      for (BenchPath p : paths) {
        check(vertx, p);
      }
      for (BenchPath p : paths) {
        if (p.failure == null) {
          for (Body b : Body.values()) {
            warmUp(vertx, p, b);
          }
        }
      }
      phase("paths checked and warmed up");
      for (int r = 0; r < opt.repeats; r++) {
        // Rotate the order so that no path always runs first (or last) in a repeat.
        for (int i = 0; i < paths.size(); i++) {
          BenchPath p = paths.get((i + r) % paths.size());
          if (p.failure != null) {
            continue;
          }
          for (Body b : Body.values()) {
            for (int rate : opt.rates) {
              measure(vertx, r, p, b, rate);
            }
            measure(vertx, r, p, b, 0);
          }
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    phase("measured");
    String md = new Report(opt, machine, paths, measurements, startup, idleRss, notes).markdown();
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
    boolean failed = paths.stream().anyMatch(p -> p.failure != null);
    return failed ? 1 : 0;
  }

  private LoadGenerator generator(Vertx vertx, BenchPath p, Body b) {
    return new LoadGenerator(vertx, p.port, p.host, b.uri, opt.connections, b.bytes);
  }

  /**
   * Closed-loop load until the path has served {@code warmupRequests} (so that the JIT has compiled
   * the proxies' hot paths, however slow the machine), within the {@code warmup} bound.
   */
  private void warmUp(Vertx vertx, BenchPath p, Body b) throws Exception {
    long deadline = System.nanoTime() + opt.warmup.toNanos();
    long served = 0;
    try (LoadGenerator g = generator(vertx, p, b)) {
      while (served < opt.warmupRequests && System.nanoTime() < deadline) {
        served += g.closedLoop(Duration.ofMillis(500)).completed();
      }
    }
    out.printf(Locale.ROOT, "dataplane: warmed up %s, %s: %d requests%n", p.label, b.label, served);
  }

  /** One request per body must come back whole through the path, or the path is left out. */
  private void check(Vertx vertx, BenchPath p) throws Exception {
    long deadline = System.nanoTime() + CHECK_BOUND.toNanos();
    for (Body b : Body.values()) {
      LoadGenerator.Result r = null;
      while (System.nanoTime() < deadline) {
        try (LoadGenerator g = new LoadGenerator(vertx, p.port, p.host, b.uri, 1, b.bytes)) {
          r = g.closedLoop(Duration.ofMillis(100));
        }
        if (r.completed() > 0 && r.errors() == 0) {
          break;
        }
      }
      if (r == null || r.completed() == 0 || r.errors() > 0) {
        StringBuilder why = new StringBuilder();
        why.append("GET ")
            .append(b.uri)
            .append(" through ")
            .append(p.label)
            .append(" did not return 200 with ")
            .append(b.bytes)
            .append(" bytes within ")
            .append(CHECK_BOUND.toSeconds())
            .append(" s");
        for (Proc proc : p.procs) {
          why.append("\n--- ").append(proc.name).append(" log:\n").append(proc.tail());
        }
        p.failure = why.toString();
        out.println("dataplane: path left out: " + p.failure);
        return;
      }
    }
    out.println("dataplane: path ok: " + p.label);
  }

  private void measure(Vertx vertx, int repeat, BenchPath p, Body b, int rate) throws Exception {
    try (LoadGenerator g = generator(vertx, p, b)) {
      g.closedLoop(opt.preWarm); // opens the connections; not counted
      Map<String, Long> ticks0 = new LinkedHashMap<>();
      for (Proc proc : p.procs) {
        ticks0.put(proc.name, proc.cpuTicks());
      }
      Map<String, Long> peak = new LinkedHashMap<>();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler =
          new Thread(
              () -> {
                while (sampling.get()) {
                  for (Proc proc : p.procs) {
                    peak.merge(proc.name, proc.rssKib(), Math::max);
                  }
                  java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L);
                }
              },
              "rss-sampler");
      sampler.setDaemon(true);
      sampler.start();
      LoadGenerator.Result result =
          rate > 0 ? g.openLoop(rate, opt.duration) : g.closedLoop(opt.duration);
      sampling.set(false);
      sampler.join(5_000);
      Map<String, Double> cpu = new LinkedHashMap<>();
      for (Proc proc : p.procs) {
        cpu.put(proc.name, (proc.cpuTicks() - ticks0.get(proc.name)) / (double) clockTicks);
      }
      measurements.add(new Measurement(repeat, p.key, b, rate, result, cpu, Map.copyOf(peak)));
      out.printf(
          Locale.ROOT,
          "repeat %d  %-26s %-6s %-9s %8.0f rps  p50 %8.0f µs  p99 %8.0f µs  p99.9 %8.0f µs"
              + "  errors %d  incomplete %d%n",
          repeat + 1,
          p.label,
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

  /** Start-to-ready of each proxy kind, one process at a time on an otherwise idle machine. */
  private void measureStartup(boolean nginx, boolean haproxy) throws Exception {
    int inbound = chains.freePort();
    Path west = chains.westConfig("startup-west.yaml", inbound);
    List<Chains.Launch> kinds = new ArrayList<>();
    kinds.add(
        chains.sidecar(
            "fedmesh sidecar", west, "app-west", Chains.EAST_DOMAIN, inbound, chains.freePort()));
    kinds.add(chains.gateway("fedmesh gateway", west, chains.freePort()));
    if (nginx) {
      kinds.add(chains.nginx("inbound", "startup", chains.freePort(), chains.appPort));
    }
    if (haproxy) {
      kinds.add(chains.haproxy("inbound", "startup", chains.freePort(), chains.appPort));
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
      BenchPath direct = new BenchPath("direct", "direct", false, Chains.HOST_CLUSTERSET);
      direct.port = chains.appPort;
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
              "nginx", "nginx chain", (role, port, next) -> chains.nginx(role, role, port, next)));
    }
    if (haproxy) {
      paths.add(
          peerChain(
              "haproxy",
              "HAProxy chain",
              (role, port, next) -> chains.haproxy(role, role, port, next)));
    }
    // All started at once; now wait for each.
    awaitReady(app, chains.app());
    for (BenchPath p : paths) {
      for (int i = 0; i < p.procs.size(); i++) {
        awaitReady(p.procs.get(i), launches.get(p.procs.get(i)));
      }
    }
  }

  private void startSame() throws IOException {
    BenchPath same =
        new BenchPath("fedmesh-same", "fedmesh same-cluster", false, Chains.HOST_LOCAL);
    int sameInbound = chains.freePort();
    Path westSame = chains.westConfig("west-same.yaml", sameInbound);
    same.port = chains.freePort();
    start(
        same,
        chains.sidecar(
            "fm-same server sidecar", westSame, "app-west", null, sameInbound, chains.freePort()),
        chains.sidecar(
            "fm-same client sidecar", westSame, "client-west", null, chains.freePort(), same.port));
    paths.add(same);
  }

  private void startCross() throws IOException {
    BenchPath cross =
        new BenchPath("fedmesh-cross", "fedmesh cross-cluster", false, Chains.HOST_CLUSTERSET);
    int crossInbound = chains.freePort();
    int gatewayPort = chains.freePort();
    Path westCross = chains.westConfig("west-cross.yaml", crossInbound);
    Path eastCross = chains.eastConfig("east-cross.yaml", gatewayPort);
    cross.port = chains.freePort();
    start(
        cross,
        chains.sidecar(
            "fm-cross server sidecar",
            westCross,
            "app-west",
            Chains.EAST_DOMAIN,
            crossInbound,
            chains.freePort()),
        chains.gateway("fm-cross gateway", westCross, gatewayPort),
        chains.sidecar(
            "fm-cross client sidecar",
            eastCross,
            "client-east",
            Chains.WEST_DOMAIN,
            chains.freePort(),
            cross.port));
    paths.add(cross);
  }

  @FunctionalInterface
  private interface PeerLaunch {
    Chains.Launch make(String role, int port, int next) throws IOException;
  }

  private BenchPath peerChain(String key, String label, PeerLaunch make) throws IOException {
    BenchPath p = new BenchPath(key, label, true, Chains.HOST_CLUSTERSET);
    int inbound = chains.freePort();
    int gateway = chains.freePort();
    p.port = chains.freePort();
    start(
        p,
        make.make("inbound", inbound, chains.appPort),
        make.make("gateway", gateway, inbound),
        make.make("outbound", p.port, gateway));
    return p;
  }

  private void start(BenchPath p, Chains.Launch... ls) throws IOException {
    for (Chains.Launch l : ls) {
      Proc proc = launch(l, 0, l.name().replace(' ', '-'));
      launches.put(proc, l);
      running.add(proc);
      p.procs.add(proc);
    }
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
    boolean pin = true;
    Path work;
    Path certs;
    Path cliJar;
    Path results = Path.of("bench/results");
    List<String> proxyJvmFlags = List.of();
    List<String> paths = PATHS;
    String command = "bench/run-dataplane.sh";

    static Options parse(String[] args) {
      Options o = new Options();
      List<String> given = new ArrayList<>();
      boolean ratesGiven = false;
      boolean repeatsGiven = false;
      boolean durationGiven = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--smoke" -> {
            o.smoke = true;
            given.add(a);
          }
          case "--no-pin" -> o.pin = false;
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
          case "--connections" -> {
            o.connections = positive(a, value(args, ++i, a));
            given.add(a + " " + args[i]);
          }
          case "--paths" -> {
            o.paths = Options.paths(value(args, ++i, a));
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
                      + " --connections N, --paths KEY,KEY, --no-pin)");
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

    int pathCount() {
      return paths.size();
    }

    /** A generous bound on the whole run: measurements, drains, starts, then twice that. */
    Duration timeBound() {
      long perRun =
          duration.toMillis() + preWarm.toMillis() + LoadGenerator.DRAIN_BOUND.toMillis() / 2;
      long runs = (long) repeats * paths.size() * 2 * (rates.size() + 1);
      long starts = smoke ? 0 : 4L * (repeats + 1) * 10_000;
      long total = runs * perRun + paths.size() * 2L * warmup.toMillis() + starts + 180_000;
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
