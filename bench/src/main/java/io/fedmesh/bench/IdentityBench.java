package io.fedmesh.bench;

import io.fedmesh.trust.tls.TlsEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The identity figures, in one run: SVID signings per second on one thread (JMH), and full mTLS
 * handshakes per second with BoringSSL and with the JDK engine (medians of repeats, alternating
 * engines so that drift hits both), as a ratio. Writes a Markdown table to {@code
 * bench/results/identity.md}.
 *
 * <p>{@code --smoke} runs each figure for a moment only, so CI checks that the harness works; its
 * numbers mean nothing.
 */
public final class IdentityBench {
  private IdentityBench() {}

  public static void main(String[] args) throws Exception {
    boolean smoke = List.of(args).contains("--smoke");
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    int repeats = smoke ? 1 : 5;
    Duration handshakeTime = smoke ? Duration.ofMillis(500) : Duration.ofSeconds(5);

    Options jmh =
        new OptionsBuilder()
            .include(SvidSigningBenchmark.class.getSimpleName())
            .forks(1)
            .threads(1)
            .warmupIterations(smoke ? 1 : 3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(smoke ? 1 : 5)
            .measurementTime(TimeValue.seconds(smoke ? 1 : 2))
            .jvmArgsAppend("-Xmx512m")
            .build();
    Collection<RunResult> signing = new Runner(jmh).run();

    boolean openSsl = TlsEngine.openSslAvailable();
    // Warm-up, discarded: JIT and first context creation would otherwise land on the first engine.
    Duration warmup = smoke ? Duration.ofMillis(200) : Duration.ofSeconds(3);
    if (openSsl) {
      HandshakeRate.measure(TlsEngine.OPENSSL, warmup, 4);
    }
    HandshakeRate.measure(TlsEngine.JDK, warmup, 4);
    List<Double> boring = new ArrayList<>();
    List<Double> jdk = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      if (openSsl) {
        boring.add(HandshakeRate.measure(TlsEngine.OPENSSL, handshakeTime, 4));
      }
      jdk.add(HandshakeRate.measure(TlsEngine.JDK, handshakeTime, 4));
      out.printf(
          Locale.ROOT,
          "handshake repeat %d: boringssl %s/s, jdk %.0f/s%n",
          i + 1,
          openSsl ? String.format(Locale.ROOT, "%.0f", boring.get(i)) : "n/a",
          jdk.get(i));
    }

    StringBuilder md = new StringBuilder();
    md.append("# Identity benchmarks\n\n");
    md.append("Run ").append(Instant.now()).append(" on ").append(machine()).append("\n\n");
    md.append("Command: `bench/run-identity.sh`")
        .append(smoke ? " --smoke (numbers meaningless)" : "")
        .append("\n\n");
    md.append("| figure | value | notes |\n|---|---|---|\n");
    for (RunResult r : signing) {
      String key = r.getParams().getParam("caKey");
      md.append(
          String.format(
              Locale.ROOT,
              "| SVID signings/s, one thread, CA %s, workload P-256 | %.0f ± %.0f | JMH, %d×%s |%n",
              key,
              r.getPrimaryResult().getScore(),
              r.getPrimaryResult().getScoreError(),
              r.getPrimaryResult().getStatistics().getN(),
              "iterations"));
    }
    double jdkMedian = median(jdk);
    if (openSsl) {
      double boringMedian = median(boring);
      md.append(
          String.format(
              Locale.ROOT,
              "| mTLS handshakes/s, BoringSSL (both sides) | %.0f | median of %d × %ds, 4 in flight |%n",
              boringMedian,
              repeats,
              handshakeTime.toSeconds()));
      md.append(
          String.format(
              Locale.ROOT,
              "| mTLS handshakes/s, JDK engine (both sides) | %.0f | same run |%n",
              jdkMedian));
      md.append(
          String.format(
              Locale.ROOT,
              "| BoringSSL / JDK | %.2f× | ratio of medians |%n",
              boringMedian / jdkMedian));
    } else {
      md.append(
          String.format(
              Locale.ROOT,
              "| mTLS handshakes/s, JDK engine | %.0f | BoringSSL unavailable here |%n",
              jdkMedian));
    }
    Path file =
        Path.of(System.getenv().getOrDefault("FEDMESH_BENCH_RESULTS", "bench/results"))
            .resolve(
                (smoke ? "identity-smoke" : "identity")
                    + "-java"
                    + Runtime.version().feature()
                    + ".md");
    write(file, md.toString());
    out.println();
    out.println(md);
    out.println("written to " + file);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  static String machine() {
    return String.format(
        Locale.ROOT,
        "%d cores, Java %s (%s), %s %s",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));
  }

  private static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }
}
