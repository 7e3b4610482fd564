package io.fedmesh.cli;

import java.util.concurrent.CountDownLatch;

/** Keeps a foreground command alive until the process is told to stop, then closes it. */
final class RunUntilInterrupted {
  private RunUntilInterrupted() {}

  static void run(AutoCloseable running) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              try {
                running.close();
              } catch (Exception e) {
                // shutting down anyway
              } finally {
                stopped.countDown();
              }
            },
            "fedmesh-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
  }
}
