package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.ProxySnapshot;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps a proxy on the current contents of its configuration file: polls the file's modification
 * time, size and identity (so an atomic rename or a Kubernetes ConfigMap's symlink swap counts as a
 * change) and, when they change, loads it again and passes the new snapshot on. A file that no
 * longer loads is reported to the error listener once per change, and the last good snapshot stays
 * in force. A file rewritten to the same content passes nothing on.
 *
 * <p>Polling runs on the {@link ScheduledExecutorService} given to {@link Builder#start}, never on
 * an event loop, since reading a file blocks. The snapshot's version is the file's {@code version}
 * field: bump it when you edit the file, as the controller does with each push.
 *
 * <pre>{@code
 * ProxyConfigWatcher watcher =
 *     ProxyConfigWatcher.builder(Path.of("/etc/fedmesh/proxy.yaml"))
 *         .pollInterval(Duration.ofSeconds(2))
 *         .onError(e -> log.warn(e.getMessage()))
 *         .start(scheduler, snapshots::set);   // loads now; throws ConfigException if bad
 * }</pre>
 */
public final class ProxyConfigWatcher implements AutoCloseable {
  /** How often the file is checked when no interval is set. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final System.Logger LOG = System.getLogger(ProxyConfigWatcher.class.getName());
  private static final Stamp UNREADABLE = new Stamp(null, -1, null);

  private final Path file;
  private final Consumer<? super ProxySnapshot> onSnapshot;
  private final Consumer<? super ConfigException> onError;
  private volatile ProxySnapshot current;
  // Touched by the constructor, then only by poll(), which the scheduler never runs concurrently.
  private Stamp lastSeen;
  private volatile ScheduledFuture<?> task;

  private ProxyConfigWatcher(
      Path file,
      Consumer<? super ProxySnapshot> onSnapshot,
      Consumer<? super ConfigException> onError) {
    this.file = file;
    this.onSnapshot = onSnapshot;
    this.onError = onError;
    try {
      // The stamp before the contents: a change in between is seen by the next poll.
      this.lastSeen = stamp(file);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), 0, 0, "", "cannot read: " + e, e);
    }
    this.current = ProxyConfigLoader.load(file);
  }

  /** A builder for a watcher of {@code file}. */
  public static Builder builder(Path file) {
    return new Builder(Objects.requireNonNull(file, "file"));
  }

  /** The file watched. */
  public Path file() {
    return file;
  }

  /** The last snapshot that loaded. */
  public ProxySnapshot current() {
    return current;
  }

  /** Stops polling; the snapshot already passed on stays with its receiver. */
  @Override
  public void close() {
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }

  /** One check of the file; the scheduler calls it, tests may too. */
  void poll() {
    try {
      Stamp now;
      try {
        now = stamp(file);
      } catch (IOException e) {
        if (!UNREADABLE.equals(lastSeen)) {
          lastSeen = UNREADABLE;
          report(
              new ConfigException(
                  file.toString(),
                  0,
                  0,
                  "",
                  "cannot read: " + e + " (keeping version " + current.version() + ")",
                  e));
        }
        return;
      }
      if (now.equals(lastSeen)) {
        return;
      }
      lastSeen = now;
      ProxySnapshot next;
      try {
        next = ProxyConfigLoader.load(file);
      } catch (ConfigException e) {
        report(e);
        return;
      }
      if (next.equals(current)) {
        return;
      }
      current = next;
      onSnapshot.accept(next);
    } catch (RuntimeException e) {
      // A listener's failure must not end the periodic task, which would stop all reloads.
      LOG.log(Level.ERROR, "proxy config watcher of " + file + ": listener failed", e);
    }
  }

  private void report(ConfigException e) {
    onError.accept(e);
  }

  private static Stamp stamp(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
  }

  /** What a change of the file shows in; {@code fileKey} may be null where the OS has none. */
  private record Stamp(FileTime modified, long size, Object fileKey) {}

  /** Builds and starts a {@link ProxyConfigWatcher}. */
  public static final class Builder {
    private static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(10);

    private final Path file;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Consumer<? super ConfigException> onError =
        e -> LOG.log(Level.WARNING, e.getMessage() + " (keeping the last good configuration)");

    Builder(Path file) {
      this.file = file;
    }

    /** How often to check the file, 10 ms to 1 h; default {@link #DEFAULT_POLL_INTERVAL}. */
    public Builder pollInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(MIN_POLL_INTERVAL) < 0
          || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("pollInterval: " + interval + " (expected: 10ms..1h)");
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * Receives each new version of the file that does not load (the last good snapshot stays);
     * default: a warning on the {@code System.Logger} of this class.
     */
    public Builder onError(Consumer<? super ConfigException> listener) {
      this.onError = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Loads the file now, passes the snapshot to {@code onSnapshot} on this thread, then polls on
     * {@code scheduler} and passes on each changed snapshot from its thread.
     *
     * @throws ConfigException when the file does not load now: a proxy does not start on a bad one
     */
    public ProxyConfigWatcher start(
        ScheduledExecutorService scheduler, Consumer<? super ProxySnapshot> onSnapshot) {
      Objects.requireNonNull(scheduler, "scheduler");
      Objects.requireNonNull(onSnapshot, "onSnapshot");
      ProxyConfigWatcher w = new ProxyConfigWatcher(file, onSnapshot, onError);
      onSnapshot.accept(w.current);
      long nanos = pollInterval.toNanos();
      w.task = scheduler.scheduleWithFixedDelay(w::poll, nanos, nanos, TimeUnit.NANOSECONDS);
      return w;
    }
  }
}
