package io.fedmesh.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

/**
 * One OS process of the benchmark (the upstream app, a sidecar, a gateway, nginx, HAProxy): started
 * with its output copied to a log file, waited for until ready, measured from {@code /proc} (CPU
 * time and resident memory of the process and its children, e.g. nginx's worker), and stopped with
 * SIGTERM, then SIGKILL after a bound.
 */
final class Proc implements AutoCloseable {
  private static final Duration STOP_BOUND = Duration.ofSeconds(5);
  private static final Set<Long> LIVE = ConcurrentHashMap.newKeySet();
  private static volatile Path pidFile;

  final String name;
  private final Process process;
  private final long startNanos;
  private final Path log;
  private final CountDownLatch marker = new CountDownLatch(1);
  private volatile long markerNanos;

  private Proc(String name, Process process, long startNanos, Path log) {
    this.name = name;
    this.process = process;
    this.startNanos = startNanos;
    this.log = log;
  }

  /**
   * Starts {@code command}, pinned to {@code cpu} with taskset when {@code cpu >= 0}; every output
   * line goes to {@code log}, and the first line containing {@code readyMarker} (may be null) marks
   * the process ready.
   */
  static Proc start(String name, List<String> command, int cpu, Path log, String readyMarker)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    if (cpu >= 0) {
      cmd.addAll(List.of("taskset", "-c", Integer.toString(cpu)));
    }
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    long t0 = System.nanoTime();
    Process p = pb.start();
    Proc proc = new Proc(name, p, t0, log);
    LIVE.add(p.pid());
    writePidFile();
    Thread copier = new Thread(() -> proc.copyOutput(readyMarker), "log-" + name.replace(' ', '-'));
    copier.setDaemon(true);
    copier.start();
    return proc;
  }

  private void copyOutput(String readyMarker) {
    try (BufferedReader r =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        OutputStream w = Files.newOutputStream(log)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (readyMarker != null && markerNanos == 0 && line.contains(readyMarker)) {
          markerNanos = System.nanoTime();
          marker.countDown();
        }
        w.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        w.flush();
      }
    } catch (IOException e) {
      // The process went away; its log ends here.
    }
  }

  /**
   * Keeps {@code file} listing the pids of the processes started and not yet stopped, one a line,
   * so that the calling script can stop them even if this JVM is killed.
   */
  static void pidFile(Path file) {
    pidFile = file;
  }

  private static synchronized void writePidFile() {
    Path file = pidFile;
    if (file == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (long pid : LIVE) {
      sb.append(pid).append('\n');
    }
    try {
      Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  /**
   * Waits for the ready marker line; returns start-to-ready. Fails with the log's tail when the
   * process exits first or {@code bound} passes.
   */
  Duration awaitMarker(Duration bound) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!marker.await(50, TimeUnit.MILLISECONDS)) {
      checkAlive();
      if (System.nanoTime() > deadline) {
        throw notReady(bound);
      }
    }
    return Duration.ofNanos(markerNanos - startNanos);
  }

  /**
   * Waits until {@code port} on 127.0.0.1 accepts a connection (polled every 2 ms); returns
   * start-to-ready.
   */
  Duration awaitPort(int port, Duration bound) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return Duration.ofNanos(System.nanoTime() - startNanos);
      } catch (IOException refused) {
        checkAlive();
        if (System.nanoTime() > deadline) {
          throw notReady(bound);
        }
        LockSupport.parkNanos(2_000_000);
      }
    }
  }

  private void checkAlive() throws IOException {
    if (!process.isAlive()) {
      throw new IOException(
          name + " exited with status " + process.exitValue() + " before it was ready:\n" + tail());
    }
  }

  private IOException notReady(Duration bound) throws IOException {
    return new IOException(name + " not ready within " + bound.toSeconds() + " s:\n" + tail());
  }

  /** The last lines of the process's log, for error messages. */
  String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ")";
    }
  }

  /** CPU time (user + system) of the process and its descendants, in clock ticks. */
  long cpuTicks() {
    return tree().map(Proc::ticksOf).sum();
  }

  /**
   * CPU time of the JVM's JIT compiler threads ({@code C1 CompilerThread*}, {@code C2
   * CompilerThread*}) in the process and its descendants, in clock ticks; 0 for a process that is
   * not a HotSpot JVM.
   */
  long compilerTicks() {
    return tree().map(Proc::compilerTicksOf).sum();
  }

  /** Resident set of the process and its descendants, in KiB. */
  long rssKib() {
    return tree().map(Proc::rssOf).sum();
  }

  private LongStream tree() {
    return LongStream.concat(
        LongStream.of(process.pid()), process.descendants().mapToLong(ProcessHandle::pid));
  }

  private static long ticksOf(long pid) {
    return ticksOf(Path.of("/proc", Long.toString(pid), "stat"));
  }

  private static long compilerTicksOf(long pid) {
    long ticks = 0;
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        String comm = read(task.resolve("comm"));
        // Linux keeps 15 characters of a thread's name: "C2 CompilerThre".
        if (comm != null && (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler"))) {
          ticks += ticksOf(task.resolve("stat"));
        }
      }
    } catch (NoSuchFileException gone) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ticks;
  }

  private static long ticksOf(Path statFile) {
    String stat = read(statFile);
    if (stat == null) {
      return 0;
    }
    // Fields after the command name, which is in parentheses and may contain spaces: state is
    // field 3, utime field 14, stime field 15.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long rssOf(long pid) {
    String status = read(Path.of("/proc", Long.toString(pid), "status"));
    if (status == null) {
      return 0;
    }
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring(6).replace("kB", "").trim());
      }
    }
    return 0;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException gone) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM to the process, SIGKILL to whatever of its tree is left after a bound. */
  @Override
  public void close() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroy();
    try {
      process.waitFor(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tree.add(process.toHandle());
    for (ProcessHandle h : tree) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
    LIVE.remove(process.pid());
    writePidFile();
  }
}
