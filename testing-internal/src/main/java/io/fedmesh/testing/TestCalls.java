package io.fedmesh.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a test's HTTP call on a Vert.x event-loop context, with a bound.
 *
 * <p>Why on a context: a Vert.x 5.0.7 HTTP client chain (request → send → body) started from a
 * plain thread, such as a test's main thread, now and then lost a response that had arrived. Found
 * with 40 GETs in a row to the sidecar's admin server: the server logged each request and the end
 * of its response, yet 1–3 of the 40 calls got nothing for 7 s (and the same connection then
 * answered the next request); started on a context, 0 of 120. This was the "rare test-client hang"
 * that earlier made the tests send a request twice.
 */
public final class TestCalls {
  private TestCalls() {}

  /** Runs {@code attempt} on a context of {@code vertx}; fails after 15 s naming the request. */
  public static <T> T call(Vertx vertx, RequestOptions ro, Callable<Future<T>> attempt)
      throws Exception {
    try {
      return start(vertx, attempt).get(15, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "no response to " + ro.getMethod() + " " + ro.getURI() + " in 15 s", e);
    }
  }

  /**
   * Starts {@code attempt} on a context of {@code vertx} and returns its outcome: for a call the
   * test keeps in flight while it does other things (bound the wait on it).
   */
  public static <T> CompletableFuture<T> start(Vertx vertx, Callable<Future<T>> attempt) {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          try {
            attempt
                .call()
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        result.complete(ar.result());
                      } else {
                        result.completeExceptionally(ar.cause());
                      }
                    });
          } catch (Exception e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  /** {@code "<status> <body>"} of {@code ro} sent with no body by {@code client}, bounded. */
  public static String statusAndBody(Vertx vertx, HttpClient client, RequestOptions ro)
      throws Exception {
    return call(
        vertx,
        ro,
        () ->
            client
                .request(ro)
                .compose(r -> r.send())
                .compose(r -> r.body().map(b -> r.statusCode() + " " + b)));
  }
}
