package io.fedmesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.model.ProxySnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigWatcherTest {
  private static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");

  @TempDir Path dir;
  private Path file;
  private ScheduledExecutorService scheduler;
  private final List<ProxySnapshot> snapshots = new CopyOnWriteArrayList<>();
  private final List<ConfigException> errors = new CopyOnWriteArrayList<>();
  private int writes;

  @BeforeEach
  void setUp() throws IOException {
    file = dir.resolve("proxy.yaml");
    write(file, config(1));
    scheduler = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  static String config(int version) {
    return ProxyConfigErrorsTest.HEADER + "version: " + version + "\n";
  }

  /**
   * Writes and sets an mtime of its own, so that a change never hides in the file system's
   * timestamp granularity and no test depends on the wall clock.
   */
  private void write(Path f, String text) throws IOException {
    Files.writeString(f, text);
    Files.setLastModifiedTime(f, FileTime.from(EPOCH.plusSeconds(++writes)));
  }

  /** A watcher that polls only when the test calls {@code poll()}. */
  private ProxyConfigWatcher manual() {
    return ProxyConfigWatcher.builder(file)
        .pollInterval(Duration.ofHours(1))
        .onError(errors::add)
        .start(scheduler, snapshots::add);
  }

  private static long version(ProxySnapshot s) {
    return s.version();
  }

  @Test
  void startLoadsAndPassesOnTheFirstSnapshot() {
    try (ProxyConfigWatcher w = manual()) {
      assertThat(snapshots).extracting(ProxyConfigWatcherTest::version).containsExactly(1L);
      assertThat(w.current()).isSameAs(snapshots.get(0));
      assertThat(w.file()).isEqualTo(file);
    }
  }

  @Test
  void aBadFileAtStartIsRefused() throws IOException {
    write(file, config(1) + "bogus: 1\n");
    assertThatThrownBy(this::manual)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ":6:1: bogus: unknown field");
    assertThat(snapshots).isEmpty();
  }

  @Test
  void aChangedFileIsPassedOn() throws IOException {
    try (ProxyConfigWatcher w = manual()) {
      write(file, config(2));
      w.poll();
      assertThat(snapshots).extracting(ProxyConfigWatcherTest::version).containsExactly(1L, 2L);
      assertThat(w.current().version()).isEqualTo(2);
    }
  }

  @Test
  void anUnchangedFileIsNotReadAgain() throws IOException {
    try (ProxyConfigWatcher w = manual()) {
      FileTime stamp = Files.getLastModifiedTime(file);
      // Same size, same mtime, same inode: the watcher does not look inside.
      Files.writeString(file, config(3));
      Files.setLastModifiedTime(file, stamp);
      w.poll();
      assertThat(snapshots).hasSize(1);
    }
  }

  @Test
  void aBadNewFileIsReportedOnceAndTheLastGoodStays() throws IOException {
    try (ProxyConfigWatcher w = manual()) {
      write(file, config(2).replace("cluster: us-east", "cluster: [us-east]"));
      w.poll();
      w.poll();
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0).getMessage())
          .isEqualTo(file + ":3:10: cluster: a list (expected: a string)");
      assertThat(w.current().version()).isEqualTo(1);
      assertThat(snapshots).hasSize(1);

      write(file, config(3));
      w.poll();
      assertThat(snapshots).extracting(ProxyConfigWatcherTest::version).containsExactly(1L, 3L);
    }
  }

  @Test
  void theSameContentRewrittenPassesNothingOn() throws IOException {
    try (ProxyConfigWatcher w = manual()) {
      write(file, config(1));
      w.poll();
      assertThat(snapshots).hasSize(1);
      assertThat(errors).isEmpty();
    }
  }

  @Test
  void aDeletedFileIsReportedOnceAndItsReturnIsSeen() throws IOException {
    try (ProxyConfigWatcher w = manual()) {
      Files.delete(file);
      w.poll();
      w.poll();
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0).getMessage())
          .startsWith(file + ": cannot read: java.nio.file.NoSuchFileException")
          .endsWith("(keeping version 1)");
      assertThat(w.current().version()).isEqualTo(1);

      write(file, config(2));
      w.poll();
      assertThat(snapshots).extracting(ProxyConfigWatcherTest::version).containsExactly(1L, 2L);
    }
  }

  @Test
  void anAtomicReplaceWithTheSameSizeAndTimeIsSeen() throws IOException {
    try (ProxyConfigWatcher w = manual()) {
      Path next = dir.resolve("proxy.yaml.tmp");
      Files.writeString(next, config(2));
      Files.setLastModifiedTime(next, Files.getLastModifiedTime(file));
      assertThat(Files.size(next)).isEqualTo(Files.size(file));
      Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      w.poll();
      assertThat(snapshots).extracting(ProxyConfigWatcherTest::version).containsExactly(1L, 2L);
    }
  }

  @Test
  void pollsOnTheSchedulerAndSurvivesAFailingListener() throws IOException {
    List<Long> seen = new CopyOnWriteArrayList<>();
    try (ProxyConfigWatcher w =
        ProxyConfigWatcher.builder(file)
            .pollInterval(Duration.ofMillis(10))
            .onError(errors::add)
            .start(
                scheduler,
                s -> {
                  seen.add(s.version());
                  if (s.version() == 2) {
                    throw new IllegalStateException("listener bug");
                  }
                })) {
      write(file, config(2));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(2L));
      write(file, config(3));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(3L));
      assertThat(seen).containsExactly(1L, 2L, 3L);
      assertThat(w.current().version()).isEqualTo(3);
    }
  }

  @Test
  void pollIntervalIsChecked() {
    ProxyConfigWatcher.Builder b = ProxyConfigWatcher.builder(file);
    assertThatThrownBy(() -> b.pollInterval(Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pollInterval: PT0.001S (expected: 10ms..1h)");
    assertThatThrownBy(() -> b.pollInterval(Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
