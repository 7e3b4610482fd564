package io.fedmesh.cli;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Starts a Vert.x client call on an event-loop context, for commands that run on the main thread. A
 * Vert.x 5.0.7 HTTP client chain (request → send → body) started from a plain thread now and then
 * lost a response that had arrived (measured in the sidecar tests: 1–3 of 40 calls from the main
 * thread went unanswered, none of 120 started on a context); so every call the CLI makes from its
 * main thread starts on a context.
 */
public final class OnContext {
  private OnContext() {}

  /** The future {@code call} returns, with {@code call} run on a context of {@code vertx}. */
  public static <T> Future<T> run(Vertx vertx, Supplier<Future<T>> call) {
    Promise<T> result = Promise.promise();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              try {
                call.get().onComplete(result);
              } catch (RuntimeException e) {
                result.fail(e);
              }
            });
    return result.future();
  }
}
