package io.fedmesh.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** What the report says about the machine, read from {@code /proc} and the tools themselves. */
final class Host {
  private Host() {}

  /** A Markdown bullet list: CPU, cores, kernel, Java, nginx, HAProxy, pinning, load. */
  static String describe(DataplaneBench.Options opt) {
    StringBuilder sb = new StringBuilder();
    sb.append("- date: ").append(Instant.now()).append('\n');
    sb.append("- CPU: ").append(cpuModel()).append(", ").append(cores()).append(" cores\n");
    sb.append("- kernel: Linux ")
        .append(firstLine(Path.of("/proc/sys/kernel/osrelease")))
        .append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "- Java: %s (%s, %s)%n",
            System.getProperty("java.version"),
            System.getProperty("java.vm.name"),
            System.getProperty("java.home")));
    sb.append("- nginx: ").append(version("nginx", "-v")).append('\n');
    sb.append("- HAProxy: ").append(version("haproxy", "-v")).append('\n');
    sb.append("- generator (this JVM) on CPUs ")
        .append(allowedCpus())
        .append(
            opt.pin ? "; upstream app on CPU 1, every proxy on CPU 0 (taskset)" : "; no pinning")
        .append('\n');
    sb.append("- load average at start: ").append(firstLine(Path.of("/proc/loadavg"))).append('\n');
    return sb.toString();
  }

  /** Clock ticks per second for {@code /proc/<pid>/stat} times ({@code getconf CLK_TCK}). */
  static long clockTicks() {
    String v = run("getconf", "CLK_TCK");
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 100;
    }
  }

  /** Whether {@code tool} is an executable on PATH or in /usr/sbin. */
  static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static String cpuModel() {
    for (String line : lines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "unknown";
  }

  private static long cores() {
    return lines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
  }

  private static String allowedCpus() {
    for (String line : lines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Cpus_allowed_list:")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "unknown";
  }

  private static String version(String tool, String flag) {
    if (!onPath(tool)) {
      return "not installed";
    }
    String v = run(tool, flag);
    return v.isBlank() ? "unknown" : v.lines().findFirst().orElse("").trim();
  }

  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return text;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String firstLine(Path file) {
    List<String> l = lines(file);
    return l.isEmpty() ? "unknown" : l.get(0).trim();
  }
}
