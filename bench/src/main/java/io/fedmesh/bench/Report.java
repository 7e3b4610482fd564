package io.fedmesh.bench;

import io.fedmesh.bench.DataplaneBench.BenchPath;
import io.fedmesh.bench.DataplaneBench.Body;
import io.fedmesh.bench.DataplaneBench.Measurement;
import io.fedmesh.bench.LoadGenerator.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The data-plane benchmark's Markdown: medians over repeats and ratios, all from one run. */
final class Report {
  private final DataplaneBench.Options opt;
  private final String machine;
  private final List<BenchPath> paths;
  private final List<Measurement> ms;
  private final Map<String, List<Duration>> startup;
  private final Map<String, Long> idleRss;
  private final Map<String, Long> freshRss;
  private final List<String> notes;
  private final StringBuilder md = new StringBuilder();

  Report(
      DataplaneBench.Options opt,
      String machine,
      List<BenchPath> paths,
      List<Measurement> ms,
      Map<String, List<Duration>> startup,
      Map<String, Long> idleRss,
      Map<String, Long> freshRss,
      List<String> notes) {
    this.opt = opt;
    this.machine = machine;
    this.paths = paths;
    this.ms = ms;
    this.startup = startup;
    this.idleRss = idleRss;
    this.freshRss = freshRss;
    this.notes = notes;
  }

  String markdown() {
    md.append("# Data-plane benchmark")
        .append(opt.smoke ? " (smoke run: numbers mean nothing)" : "")
        .append("\n\n");
    md.append(machine).append('\n');
    line("Command: `%s`", opt.command);
    line("");
    line(
        "Load: HTTP/1.1 keep-alive GET over %d connections (no pipelining), %s per run, %d"
            + " repeat(s); medians over repeats. Open loop at fixed rates with latency from each"
            + " request's due time (coordinated omission corrected, wrk2 style); closed loop for"
            + " maximum throughput. Proxy JVM flags (sidecars and gateway): `%s`.",
        opt.connections,
        fmtDuration(opt.duration(Protocol.H1)),
        opt.repeats,
        opt.proxyJvmFlags.isEmpty()
            ? "bin/proxy-jvm.options ("
                + String.join(" ", Report.launcherFlags())
                + ") + CDS archive"
            : String.join(" ", opt.proxyJvmFlags));
    line("");
    if (opt.wants(Protocol.H1)) {
      latencyTable();
      throughputTable();
    }
    if (opt.protocols.stream().anyMatch(p -> p != Protocol.H1)) {
      otherProtocols();
    }
    processTable();
    startupTable();
    md.append("## Notes\n\n");
    for (BenchPath p : paths) {
      if (p.failure != null) {
        line("- **%s was left out**: %s", p.label, p.failure.lines().findFirst().orElse(""));
      }
      p.protocolFailures.forEach(
          (proto, why) ->
              line(
                  "- **%s was left out of %s**: %s",
                  p.label, proto.label, why.lines().findFirst().orElse("")));
    }
    for (String n : notes) {
      line("- %s", n);
    }
    line(
        "- Paths: direct = generator → app; fedmesh same-cluster = → sidecar → mTLS → sidecar →"
            + " app; fedmesh cross-cluster = → sidecar → mTLS through the east-west gateway (SNI"
            + " passthrough, not terminated) → sidecar → app; nginx and HAProxy chains = the same"
            + " three hops (HTTP proxy originating mTLS with SNI, SNI-routing TCP gateway, mTLS"
            + " terminating proxy). ECDSA P-256 certificates from `fedmesh ca`, TLS 1.3 only.");
    line(
        "- HTTP/1.1 between the proxies: %s",
        opt.upgradeHttp1
            ? "HTTP/2 in this run (`--upgrade-http1`) for fedmesh (its client sidecar started with"
                + " `--upgrade-http1`) and HAProxy (`alpn h2` on its outbound's server line); both"
                + " speak HTTP/1.1 to the app. nginx proxies HTTP/1.1 upstream only and keeps it on"
                + " kept-alive connections."
            : "HTTP/1.1 on kept-alive connections on every chain (fedmesh's default; both fedmesh"
                + " and HAProxy can carry it as HTTP/2 instead: `--upgrade-http1`).");
    line(
        "- Peer verification: nginx and HAProxy check the server certificate's name against"
            + " the SNI, so their inbound certificate is the same SPIFFE ID from the same west CA"
            + " with the SNI added as a DNS SAN; fedmesh checks the SPIFFE ID instead. Both sides"
            + " verify chains (client certificates required).");
    line(
        "- \"÷ best peer\" compares with whichever of nginx and HAProxy did better on that"
            + " figure in this run. CPU s / 10k req sums the proxies of the path (user + system"
            + " time from /proc, 10 ms ticks); RSS sums a process and its children (nginx"
            + " master + worker).");
    if (!freshRss.isEmpty()) {
      line(
          "- RSS at %d/s, fresh: the peak while each path served HTTP/1.1 64 B at %d/s for %d s"
              + " before any other load (JIT compilation included); the sidecar RSS target is"
              + " stated at 1000/s. \"Under load\" is the peak over every later run, all"
              + " after the warm-ups (closed loop, then each fixed rate).",
          opt.rates.get(0), opt.rates.get(0), opt.freshRss.toSeconds());
    }
    if (opt.protocols.stream().anyMatch(p -> p != Protocol.H1)) {
      protocolNotes();
    }
    return md.toString();
  }

  private static final ToDoubleFunction<Measurement> P50 = m -> m.result().percentileMicros(50);
  private static final ToDoubleFunction<Measurement> P99 = m -> m.result().percentileMicros(99);
  private static final ToDoubleFunction<Measurement> P999 = m -> m.result().percentileMicros(99.9);
  private static final ToDoubleFunction<Measurement> RPS = m -> m.result().ratePerSecond();
  private static final ToDoubleFunction<Measurement> FAILED =
      m -> m.result().errors() + m.result().incomplete();

  private void latencyTable() {
    md.append("## Latency at fixed rates (open loop)\n\n");
    latencyHead("body");
    for (Body b : Body.values()) {
      for (int rate : opt.rates) {
        latencyRows(b.label, Protocol.H1, b, rate);
      }
    }
    md.append('\n');
  }

  private void throughputTable() {
    md.append("## Maximum throughput (closed loop)\n\n");
    throughputHead("body");
    for (Body b : Body.values()) {
      throughputRows(b.label, Protocol.H1, b);
    }
    md.append('\n');
  }

  /** HTTP/2, gRPC and new-connection runs: 64 B, the first rate and max, one row per path. */
  private void otherProtocols() {
    List<Protocol> others = opt.protocols.stream().filter(p -> p != Protocol.H1).toList();
    int rate = opt.rates.get(0);
    md.append("## HTTP/2, gRPC unary, new connection per request: latency at a fixed rate\n\n");
    line(
        "64 B responses, open loop at %d/s only (the first `--rates` value), %s per run (half of"
            + " HTTP/1.1's); see the notes for what each load is.",
        rate, fmtDuration(opt.duration(others.get(0))));
    line("");
    latencyHead("load");
    for (Protocol proto : others) {
      latencyRows(proto.label, proto, Body.SMALL, rate);
    }
    md.append('\n');
    md.append("## HTTP/2, gRPC unary, new connection per request: maximum throughput\n\n");
    throughputHead("load");
    for (Protocol proto : others) {
      throughputRows(proto.label, proto, Body.SMALL);
    }
    md.append('\n');
  }

  private void latencyHead(String first) {
    line(
        "| %s | rate | path | p50 µs | p99 µs | p99.9 µs | achieved rps | failed |"
            + " p99 added to direct µs | p99 ÷ direct | p99 ÷ best peer | proxy CPU s / 10k req |",
        first);
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  }

  /** One row per path that ran {@code proto}, first column {@code first}. */
  private void latencyRows(String first, Protocol proto, Body b, int rate) {
    double direct = median("direct", proto, b, rate, P99);
    double bestPeer = bestPeer(proto, b, rate, P99, false);
    for (BenchPath p : measured(proto)) {
      boolean isDirect = p.key.equals("direct");
      double p99 = median(p.key, proto, b, rate, P99);
      line(
          "| %s | %d/s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
          first,
          rate,
          p.label,
          num(median(p.key, proto, b, rate, P50)),
          num(p99),
          num(median(p.key, proto, b, rate, P999)),
          num(median(p.key, proto, b, rate, RPS)),
          num(median(p.key, proto, b, rate, FAILED)),
          isDirect ? "—" : num(p99 - direct),
          isDirect ? "—" : ratio(p99 / direct),
          p.peer || isDirect ? "—" : ratio(p99 / bestPeer),
          isDirect ? "—" : dec(median(p.key, proto, b, rate, Report::cpuPer10k)));
    }
  }

  private void throughputHead(String first) {
    line(
        "| %s | path | rps | ÷ direct | ÷ best peer | p50 µs | p99 µs | failed |"
            + " proxy CPU s / 10k req |",
        first);
    md.append("|---|---|---|---|---|---|---|---|---|\n");
  }

  private void throughputRows(String first, Protocol proto, Body b) {
    double direct = median("direct", proto, b, 0, RPS);
    double bestPeer = bestPeer(proto, b, 0, RPS, true);
    for (BenchPath p : measured(proto)) {
      boolean isDirect = p.key.equals("direct");
      double rps = median(p.key, proto, b, 0, RPS);
      line(
          "| %s | %s | %s | %s | %s | %s | %s | %s | %s |",
          first,
          p.label,
          num(rps),
          isDirect ? "—" : ratio(rps / direct),
          p.peer || isDirect ? "—" : ratio(rps / bestPeer),
          num(median(p.key, proto, b, 0, P50)),
          num(median(p.key, proto, b, 0, P99)),
          num(median(p.key, proto, b, 0, FAILED)),
          isDirect ? "—" : dec(median(p.key, proto, b, 0, Report::cpuPer10k)));
    }
  }

  private void protocolNotes() {
    int streams =
        (opt.connections + LoadGenerator.H2_CONNECTIONS - 1) / LoadGenerator.H2_CONNECTIONS;
    line(
        "- HTTP/2 (h2c) and gRPC unary: h2c with prior knowledge from the generator to the first"
            + " hop, %d connections with at most %d concurrent streams each (at most %d requests"
            + " in flight, as with HTTP/1.1's %d connections). gRPC: method `%s` with a %d-byte"
            + " message each way (vertx-grpc's generic API, raw bytes, no protobuf), counted when"
            + " the status is OK.",
        LoadGenerator.H2_CONNECTIONS,
        streams,
        LoadGenerator.H2_CONNECTIONS * streams,
        opt.connections,
        UpstreamApp.GRPC_METHOD,
        UpstreamApp.SMALL_BYTES);
    line(
        "- HTTP/2 after the first hop: fedmesh's client sidecar carries HTTP/2 and gRPC on as"
            + " HTTP/2 over mTLS to a second server sidecar started with `--app-http2` (service"
            + " `%s`), which speaks h2c to the app, so HTTP/2 and gRPC are HTTP/2 end to end."
            + " HAProxy takes h2c on a second frontend (`bind ... proto h2`), goes on as HTTP/2"
            + " over mTLS (`server ... ssl ... alpn h2`) and to the app as h2c (`proto h2`)."
            + " nginx 1.22 takes h2c on a second listener (`listen ... http2`) but proxies HTTP"
            + " upstream as HTTP/1.1 only, so its HTTP/2 row is h2c → HTTP/1.1 over mTLS →"
            + " HTTP/1.1 to the app (nginx's chain as it exists); its gRPC row goes `grpc_pass"
            + " grpcs://` (HTTP/2 over mTLS) through the same stream gateway to an inbound"
            + " `listen ... ssl http2` and `grpc_pass grpc://` to the app.",
        Chains.H2_SERVICE);
    line(
        "- New connection per request: HTTP/1.1 with `Connection: close`, a new TCP connection"
            + " from the generator to the first hop for every request (at most %d open at once)."
            + " Every chain pools its mTLS connections upstream (fedmesh's sidecar pool, nginx"
            + " `keepalive`, HAProxy `http-reuse`), so this measures accepting and setting up a"
            + " connection at the first hop, not an mTLS handshake per request; the mTLS handshake"
            + " rate is in `bench/run-identity.sh` (HandshakeRate).",
        opt.connections);
  }

  /**
   * RSS of every proxy process, and its CPU per 10k requests in each protocol that goes through it:
   * HTTP/1.1 at the highest rate, the others at the first rate, 64 B.
   */
  private void processTable() {
    int top = opt.rates.stream().mapToInt(Integer::intValue).max().orElse(0);
    md.append("## Proxy processes\n\n");
    StringBuilder head =
        new StringBuilder(
            "| path | process | RSS idle MiB | RSS peak at "
                + opt.rates.get(0)
                + "/s, fresh MiB | RSS peak under load MiB |");
    StringBuilder rule = new StringBuilder("|---|---|---|---|---|");
    for (Protocol proto : opt.protocols) {
      head.append(" CPU s / 10k req, ")
          .append(proto.label)
          .append(" at ")
          .append(proto == Protocol.H1 ? top : opt.rates.get(0))
          .append("/s |");
      rule.append("---|");
    }
    md.append(head).append('\n').append(rule).append('\n');
    for (BenchPath p : measured()) {
      for (Proc proc : p.procs) {
        double peak =
            ms.stream()
                .filter(m -> m.path().equals(p.key))
                .mapToLong(m -> m.peakRssKib().getOrDefault(proc.name, 0L))
                .max()
                .orElse(0);
        StringBuilder row =
            new StringBuilder()
                .append("| ")
                .append(p.label)
                .append(" | ")
                .append(proc.name)
                .append(" | ")
                .append(dec(idleRss.getOrDefault(proc.name, 0L) / 1024.0))
                .append(" | ")
                .append(
                    dec(
                        freshRss.containsKey(proc.name)
                            ? freshRss.get(proc.name) / 1024.0
                            : Double.NaN))
                .append(" | ")
                .append(dec(peak / 1024.0))
                .append(" |");
        for (Protocol proto : opt.protocols) {
          boolean carries = p.runs(proto) && p.targets.get(proto).procs().contains(proc);
          double cpu =
              !carries
                  ? Double.NaN
                  : median(
                      p.key,
                      proto,
                      Body.SMALL,
                      proto == Protocol.H1 ? top : opt.rates.get(0),
                      m ->
                          m.cpuSeconds().getOrDefault(proc.name, 0.0)
                              / Math.max(1, m.result().completed())
                              * 10_000);
          row.append(' ').append(dec(cpu)).append(" |");
        }
        md.append(row).append('\n');
      }
    }
    md.append('\n');
  }

  private void startupTable() {
    md.append("## Start-to-ready\n\n");
    if (startup.isEmpty()) {
      line("Not measured in a smoke run.");
      md.append('\n');
      return;
    }
    line(
        "One process at a time, pinned like the runs; from spawn to the `up` line (fedmesh) or"
            + " to the listener accepting (nginx, HAProxy). The first start of each kind (cold"
            + " caches, CDS archive written) is not counted.");
    line("");
    md.append("| process | median ms | min ms | max ms | starts |\n|---|---|---|---|---|\n");
    for (Map.Entry<String, List<Duration>> e : startup.entrySet()) {
      List<Double> ms = e.getValue().stream().map(d -> d.toNanos() / 1e6).toList();
      line(
          "| %s | %s | %s | %s | %d |",
          e.getKey(),
          num(IdentityBench.median(ms)),
          num(ms.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)),
          num(ms.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)),
          ms.size());
    }
    md.append('\n');
  }

  private List<BenchPath> measured() {
    return paths.stream().filter(p -> p.failure == null).toList();
  }

  private List<BenchPath> measured(Protocol proto) {
    return paths.stream().filter(p -> p.runs(proto)).toList();
  }

  private double bestPeer(
      Protocol proto, Body b, int rate, ToDoubleFunction<Measurement> f, boolean higher) {
    double best = Double.NaN;
    for (BenchPath p : measured()) {
      if (p.peer) {
        double v = median(p.key, proto, b, rate, f);
        if (!Double.isNaN(v) && (Double.isNaN(best) || (higher ? v > best : v < best))) {
          best = v;
        }
      }
    }
    return best;
  }

  private double median(
      String path, Protocol proto, Body b, int rate, ToDoubleFunction<Measurement> f) {
    List<Double> xs = new ArrayList<>();
    for (Measurement m : ms) {
      if (m.path().equals(path) && m.protocol() == proto && m.body() == b && m.rate() == rate) {
        double v = f.applyAsDouble(m);
        if (!Double.isNaN(v)) {
          xs.add(v);
        }
      }
    }
    return xs.isEmpty() ? Double.NaN : IdentityBench.median(xs);
  }

  private static double cpuPer10k(Measurement m) {
    double cpu = m.cpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
    return cpu / Math.max(1, m.result().completed()) * 10_000;
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String dec(double v) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ratio(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "—" : String.format(Locale.ROOT, "%.2f×", v);
  }

  private static String fmtDuration(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private void line(String format, Object... args) {
    md.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  /** The flags of bin/proxy-jvm.options, which bin/fedmesh gives the sidecar and gateway. */
  static List<String> launcherFlags() {
    try {
      return java.nio.file.Files.readAllLines(java.nio.file.Path.of("bin/proxy-jvm.options"))
          .stream()
          .map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (java.io.IOException e) {
      return List.of("bin/proxy-jvm.options unreadable: " + e.getMessage());
    }
  }
}
