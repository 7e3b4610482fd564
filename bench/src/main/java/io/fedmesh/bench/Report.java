package io.fedmesh.bench;

import io.fedmesh.bench.DataplaneBench.BenchPath;
import io.fedmesh.bench.DataplaneBench.Body;
import io.fedmesh.bench.DataplaneBench.Measurement;
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
  private final List<String> notes;
  private final StringBuilder md = new StringBuilder();

  Report(
      DataplaneBench.Options opt,
      String machine,
      List<BenchPath> paths,
      List<Measurement> ms,
      Map<String, List<Duration>> startup,
      Map<String, Long> idleRss,
      List<String> notes) {
    this.opt = opt;
    this.machine = machine;
    this.paths = paths;
    this.ms = ms;
    this.startup = startup;
    this.idleRss = idleRss;
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
        fmtDuration(opt.duration),
        opt.repeats,
        opt.proxyJvmFlags.isEmpty()
            ? "bin/proxy-jvm.options ("
                + String.join(" ", Report.launcherFlags())
                + ") + CDS archive"
            : String.join(" ", opt.proxyJvmFlags));
    line("");
    latencyTable();
    throughputTable();
    processTable();
    startupTable();
    md.append("## Notes\n\n");
    for (BenchPath p : paths) {
      if (p.failure != null) {
        line("- **%s was left out**: %s", p.label, p.failure.lines().findFirst().orElse(""));
      }
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
        "- Peer verification: nginx and HAProxy check the server certificate's name against"
            + " the SNI, so their inbound certificate is the same SPIFFE ID from the same west CA"
            + " with the SNI added as a DNS SAN; fedmesh checks the SPIFFE ID instead. Both sides"
            + " verify chains (client certificates required).");
    line(
        "- \"÷ best peer\" compares with whichever of nginx and HAProxy did better on that"
            + " figure in this run. CPU s / 10k req sums the proxies of the path (user + system"
            + " time from /proc, 10 ms ticks); RSS sums a process and its children (nginx"
            + " master + worker).");
    line(
        "- Not measured: HTTP/2 and gRPC unary load, and a new-connection-per-request run (the"
            + " generator speaks HTTP/1.1 keep-alive only).");
    return md.toString();
  }

  private void latencyTable() {
    md.append("## Latency at fixed rates (open loop)\n\n");
    md.append(
        "| body | rate | path | p50 µs | p99 µs | p99.9 µs | achieved rps | failed |"
            + " p99 added to direct µs | p99 ÷ direct | p99 ÷ best peer | proxy CPU s / 10k req |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Body b : Body.values()) {
      for (int rate : opt.rates) {
        double direct = median("direct", b, rate, m -> m.result().percentileMicros(99));
        double bestPeer = bestPeer(b, rate, m -> m.result().percentileMicros(99), false);
        for (BenchPath p : measured()) {
          double p99 = median(p.key, b, rate, m -> m.result().percentileMicros(99));
          line(
              "| %s | %d/s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
              b.label,
              rate,
              p.label,
              num(median(p.key, b, rate, m -> m.result().percentileMicros(50))),
              num(p99),
              num(median(p.key, b, rate, m -> m.result().percentileMicros(99.9))),
              num(median(p.key, b, rate, m -> m.result().ratePerSecond())),
              num(median(p.key, b, rate, m -> m.result().errors() + m.result().incomplete())),
              p.key.equals("direct") ? "—" : num(p99 - direct),
              p.key.equals("direct") ? "—" : ratio(p99 / direct),
              p.peer || p.key.equals("direct") ? "—" : ratio(p99 / bestPeer),
              p.key.equals("direct") ? "—" : dec(median(p.key, b, rate, Report::cpuPer10k)));
        }
      }
    }
    md.append('\n');
  }

  private void throughputTable() {
    md.append("## Maximum throughput (closed loop)\n\n");
    md.append(
        "| body | path | rps | ÷ direct | ÷ best peer | p50 µs | p99 µs | proxy CPU s / 10k req"
            + " |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (Body b : Body.values()) {
      double direct = median("direct", b, 0, m -> m.result().ratePerSecond());
      double bestPeer = bestPeer(b, 0, m -> m.result().ratePerSecond(), true);
      for (BenchPath p : measured()) {
        double rps = median(p.key, b, 0, m -> m.result().ratePerSecond());
        line(
            "| %s | %s | %s | %s | %s | %s | %s | %s |",
            b.label,
            p.label,
            num(rps),
            p.key.equals("direct") ? "—" : ratio(rps / direct),
            p.peer || p.key.equals("direct") ? "—" : ratio(rps / bestPeer),
            num(median(p.key, b, 0, m -> m.result().percentileMicros(50))),
            num(median(p.key, b, 0, m -> m.result().percentileMicros(99))),
            p.key.equals("direct") ? "—" : dec(median(p.key, b, 0, Report::cpuPer10k)));
      }
    }
    md.append('\n');
  }

  private void processTable() {
    int top = opt.rates.stream().mapToInt(Integer::intValue).max().orElse(0);
    md.append("## Proxy processes\n\n");
    line(
        "| path | process | RSS idle MiB | RSS peak under load MiB | CPU s / 10k req at %d/s"
            + " (64 B) |",
        top);
    md.append("|---|---|---|---|---|\n");
    for (BenchPath p : measured()) {
      for (Proc proc : p.procs) {
        double peak =
            ms.stream()
                .filter(m -> m.path().equals(p.key))
                .mapToLong(m -> m.peakRssKib().getOrDefault(proc.name, 0L))
                .max()
                .orElse(0);
        double cpu =
            median(
                p.key,
                Body.SMALL,
                top,
                m ->
                    m.cpuSeconds().getOrDefault(proc.name, 0.0)
                        / Math.max(1, m.result().completed())
                        * 10_000);
        line(
            "| %s | %s | %s | %s | %s |",
            p.label,
            proc.name,
            dec(idleRss.getOrDefault(proc.name, 0L) / 1024.0),
            dec(peak / 1024.0),
            dec(cpu));
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

  private double bestPeer(Body b, int rate, ToDoubleFunction<Measurement> f, boolean higher) {
    double best = Double.NaN;
    for (BenchPath p : measured()) {
      if (p.peer) {
        double v = median(p.key, b, rate, f);
        if (Double.isNaN(best) || (higher ? v > best : v < best)) {
          best = v;
        }
      }
    }
    return best;
  }

  private double median(String path, Body b, int rate, ToDoubleFunction<Measurement> f) {
    List<Double> xs = new ArrayList<>();
    for (Measurement m : ms) {
      if (m.path().equals(path) && m.body() == b && m.rate() == rate) {
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
