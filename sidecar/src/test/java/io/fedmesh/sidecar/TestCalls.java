package io.fedmesh.sidecar;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a test's HTTP call with a bound. A plain Vert.x client request to a local server has now and
 * then gone unanswered (not reproduced in many reruns; see the issue note): after 7 s the call is
 * made once more on a new connection, so that CI reports real failures and not that hang.
 */
public final class TestCalls {
  private TestCalls() {}

  public static <T> T call(RequestOptions ro, Callable<Future<T>> attempt) throws Exception {
    try {
      return attempt.call().toCompletionStage().toCompletableFuture().get(7, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // Said in the test's output, so that a CI log shows how often this happens.
      System.err.println(
          "TestCalls: no response to "
              + ro.getMethod()
              + " "
              + ro.getURI()
              + " (host "
              + ro.getHost()
              + ") in 7 s; sending it once more on a new connection");
      ro.putHeader("connection", "close");
      try {
        return attempt.call().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      } catch (TimeoutException again) {
        throw new AssertionError(
            "no response to " + ro.getMethod() + " " + ro.getURI() + " in two tries", again);
      }
    }
  }

  /** {@code "<status> <body>"} of {@code ro} sent with no body by {@code client}, bounded. */
  public static String statusAndBody(HttpClient client, RequestOptions ro) throws Exception {
    return call(
        ro,
        () ->
            client
                .request(ro)
                .compose(r -> r.send())
                .compose(r -> r.body().map(b -> r.statusCode() + " " + b)));
  }
}
