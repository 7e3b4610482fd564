package io.fedmesh.sidecar;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the inbound and outbound listeners share when they pass HTTP on: which headers stop at a
 * hop, how a response streams back with back-pressure and trailers, how a request's body length is
 * known, and how an error answer is sent without leaving a half-read request behind. For the
 * sidecar's own listeners; no compatibility promise.
 */
public final class HttpRelay {
  /** Connection-specific headers (RFC 9110 7.6.1) and those the client sets itself. */
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          // Answered by the sidecar itself ({@link #answerExpectContinue}).
          "expect");

  /** Bodies up to this size are read to their end before an error answer. */
  public static final long DRAIN_LIMIT = 64 * 1024;

  /**
   * Largest piece of an HTTP/1.x body the relays' codecs hand on at once (Vert.x's {@code
   * maxChunkSize}; its default, 8 KiB, cut every larger read, and every TLS record, in two). A
   * piece is never more than one read already holds, so the codec waits for nothing; fewer pieces
   * mean fewer events and fewer joins (copies) in the relay. Not more than a TLS record's 16 KiB:
   * Vert.x queues up to 16 pieces of a paused body, so this also bounds what a stalled upload can
   * hold (256 KiB, 128 KiB with the default).
   */
  public static final int HTTP1_MAX_CHUNK_BYTES = 16 * 1024;

  private HttpRelay() {}

  /**
   * Copies request headers except hop-by-hop ones and those {@code drop} names (lower-case); {@code
   * te: trailers} is kept, the one TE value HTTP/2 allows and gRPC needs.
   */
  public static void copyRequestHeaders(MultiMap from, MultiMap to, Predicate<String> drop) {
    Set<String> named = connectionOptions(from);
    for (var e : from) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !named.contains(name) && !drop.test(name)) {
        to.add(e.getKey(), e.getValue());
      }
    }
    String te = from.get("te");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("trailers")) {
      to.set("te", "trailers");
    }
  }

  /**
   * The header names a message's {@code Connection} header lists (lower-case): they are for this
   * hop only and a proxy removes them (RFC 9110 7.6.1), as the hop-by-hop ones. Empty without one.
   */
  static Set<String> connectionOptions(MultiMap headers) {
    List<String> values = headers.getAll("connection");
    if (values.isEmpty()) {
      return Set.of();
    }
    Set<String> names = new HashSet<>();
    for (String v : values) {
      for (String token : v.split(",")) {
        String t = token.strip().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          names.add(t);
        }
      }
    }
    return names;
  }

  /**
   * Answers {@code Expect: 100-continue} with {@code 100 Continue}, once the sidecar has decided to
   * read the body: the client waits for it before sending the body (curl a second, others until
   * their own timeout), while the sidecar waited for the body, and Vert.x does not answer it by
   * itself. The header is not passed on (RFC 9110 10.1.1 lets a proxy answer it), so no app behind
   * the mesh needs to.
   */
  public static void answerExpectContinue(HttpServerRequest req) {
    if (expectsContinue(req) && !req.response().headWritten()) {
      req.response().writeContinue();
    }
  }

  /**
   * Whether the client waits for {@code 100 Continue} before sending its body: an error answer then
   * goes at once (RFC 9110 10.1.1), with {@code connection: close} on HTTP/1.1, instead of after a
   * body that would never come.
   */
  private static boolean expectsContinue(HttpServerRequest req) {
    String expect = req.getHeader("expect");
    return expect != null
        && expect.equalsIgnoreCase("100-continue")
        && req.version() != HttpVersion.HTTP_1_0;
  }

  /** HTTP/2's CANCEL: the code a relayed stream is reset with when its caller gave up. */
  public static final long CANCEL = 0x8;

  /**
   * Streams {@code req}'s body into {@code creq} (with back-pressure) and returns {@code creq}'s
   * response. A body that breaks off (its caller reset the stream or closed the connection) resets
   * {@code creq} instead of ending it: Vert.x's {@code send(ReadStream)} ends the destination when
   * the source fails, which handed the next hop a complete request with a truncated body. A request
   * already gone (reset before its upstream request was ready) resets {@code creq} and fails the
   * response.
   */
  public static Future<HttpClientResponse> sendStreaming(
      HttpServerRequest req, HttpClientRequest creq) {
    return sendStreaming(req, creq, () -> {});
  }

  /**
   * {@link #sendStreaming(HttpServerRequest, HttpClientRequest)}, running {@code onSent} once the
   * whole body has gone upstream (where an answer's deadline starts: an upload may take longer than
   * any answer should).
   */
  public static Future<HttpClientResponse> sendStreaming(
      HttpServerRequest req, HttpClientRequest creq, Runnable onSent) {
    if (!creq.headers().contains("content-length")) {
      creq.setChunked(true); // as send(ReadStream) does: without either, nothing went upstream
    }
    try {
      req.pipe()
          .endOnFailure(false)
          .to(creq)
          .onSuccess(v -> onSent.run())
          .onFailure(err -> creq.reset(CANCEL, err));
    } catch (IllegalStateException gone) {
      creq.reset(CANCEL, gone);
      return Future.failedFuture(gone);
    }
    return creq.response();
  }

  /**
   * Relays {@code cresp} to {@code req}'s response: status, end-to-end headers, the body with
   * back-pressure, then trailers. {@code onEnd} runs after the response ended, {@code onError} when
   * the upstream response broke (the downstream one is reset).
   */
  public static void relayResponse(
      HttpClientResponse cresp, HttpServerRequest req, Runnable onEnd, Runnable onError) {
    HttpServerResponse resp = req.response();
    boolean http1 = req.version() != HttpVersion.HTTP_2;
    resp.setStatusCode(cresp.statusCode());
    if (http1 && cresp.statusMessage() != null) {
      resp.setStatusMessage(cresp.statusMessage());
    }
    Set<String> named = connectionOptions(cresp.headers());
    for (var h : cresp.headers()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !named.contains(name)) {
        resp.headers().add(h.getKey(), h.getValue());
      }
    }
    // The length goes on over HTTP/2 too (RFC 9113 8.1.1 allows it; the receiving codec checks it
    // against the DATA), so that the next HTTP/1.x hop can frame the body by it, HEAD included.
    String length = cresp.getHeader("content-length");
    if (length != null) {
      resp.putHeader("content-length", length);
    } else if (http1) {
      resp.setChunked(true);
    }
    ResponseBody body = new ResponseBody(cresp, resp, Vertx.currentContext());
    if (req.version() != HttpVersion.HTTP_1_0 || length != null) {
      body.headSoon();
    }
    cresp.handler(body::chunk);
    cresp.exceptionHandler(
        err -> {
          body.discard();
          onError.run();
          resp.reset();
        });
    cresp.endHandler(
        v -> {
          MultiMap trailers = cresp.trailers();
          if (trailers != null && !trailers.isEmpty()) {
            resp.trailers().addAll(trailers);
          }
          body.end();
          onEnd.run();
        });
  }

  /**
   * The body of a relayed response, written once per event-loop task: chunks that arrive in one
   * task are written together at its end, and when the end arrives in the same task as the last
   * chunk, headers, data and end go out as one write ({@code end(chunk)}). Over HTTP/2 each
   * separate write was its own frame and system call — about four writes per request and sidecar
   * instead of two. A streaming response loses nothing: a chunk waits only for the task it came in
   * to finish, and so do the headers of a response whose body is not there yet.
   */
  static final class ResponseBody { // package-private for HttpRelayResponseBodyTest
    private final HttpClientResponse cresp;
    private final HttpServerResponse resp;
    private final Context context;
    private Buffer pending;
    private boolean flushQueued;
    private boolean done;

    ResponseBody(HttpClientResponse cresp, HttpServerResponse resp, Context context) {
      this.cresp = cresp;
      this.resp = resp;
      this.context = context;
    }

    /**
     * Sends the headers at the end of this task unless a chunk or the end came in it (then they go
     * out with that): an app may send its headers and hold the body (server-sent events, long
     * polls, a stream waiting for its first message), and its caller, or the next sidecar's
     * timeout, waits for the headers. The same task as the chunks', so no task is added. Not for an
     * HTTP/1.0 response without a length, whose body ends with the connection: its headers go with
     * the first chunk.
     */
    void headSoon() {
      if (context == null) {
        return;
      }
      flushQueued = true;
      context.runOnContext(v -> flush());
    }

    void chunk(Buffer buf) {
      if (context == null) { // not on a Vert.x context (never on the listeners' paths)
        write(buf);
        return;
      }
      // One copy of the later chunks, however they are gathered: the next handlers copy a heap
      // body into direct memory for TLS or the socket, and Netty flattens a composite into one heap
      // buffer first (CompositeByteBuf.nioBuffer), so gathering into a composite allocated as much
      // as appending does (bench/README, tuning log 21).
      pending = pending == null ? buf : pending.appendBuffer(buf);
      if (!flushQueued) {
        flushQueued = true;
        context.runOnContext(v -> flush());
      }
    }

    private void flush() {
      flushQueued = false;
      if (done) {
        return;
      }
      Buffer buf = pending;
      if (buf == null) {
        if (!resp.headWritten()) {
          resp.writeHead();
        }
        return;
      }
      pending = null;
      write(buf);
    }

    private void write(Buffer buf) {
      resp.write(buf);
      if (resp.writeQueueFull()) {
        cresp.pause();
        resp.drainHandler(v -> cresp.resume());
      }
    }

    void end() {
      done = true;
      Buffer buf = pending;
      pending = null;
      if (buf == null) {
        resp.end();
      } else {
        resp.end(buf);
      }
    }

    void discard() {
      done = true;
      pending = null;
    }
  }

  /**
   * The request body's length when it is known: its Content-Length, 0 for an HTTP/1.x request with
   * neither Content-Length nor Transfer-Encoding; -1 when unknown (chunked, HTTP/2 without a
   * length, or a malformed value).
   */
  public static long bodyLength(HttpServerRequest req) {
    String v = req.getHeader("content-length");
    if (v == null) {
      return req.version() != HttpVersion.HTTP_2 && req.getHeader("transfer-encoding") == null
          ? 0
          : -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Answers with a plain-text error. A request still sending a small body (up to {@link
   * #DRAIN_LIMIT}) is read to its end first, so the answer follows the whole request and the
   * connection stays reusable; a larger or unbounded one is answered at once with {@code
   * connection: close} on HTTP/1.x.
   */
  public static void respondError(HttpServerRequest req, int status, String body) {
    HttpServerResponse resp = req.response();
    Runnable respond =
        () ->
            resp.setStatusCode(status)
                .putHeader("content-type", "text/plain; charset=utf-8")
                .end(body);
    long length = bodyLength(req);
    boolean bodyWithheld = expectsContinue(req) && !resp.headWritten();
    if (req.isEnded()) {
      respond.run();
    } else if (length >= 0 && length <= DRAIN_LIMIT && !bodyWithheld) {
      req.handler(buf -> {});
      req.endHandler(v -> respond.run());
      req.exceptionHandler(e -> resp.reset());
      req.resume();
    } else {
      if (req.version() != HttpVersion.HTTP_2) {
        resp.putHeader("connection", "close");
      }
      req.handler(buf -> {});
      req.resume();
      respond.run();
    }
  }

  /** A one-line description of a failure for an error body: class and message, no CR/LF. */
  public static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName()
        + (m == null ? "" : ": " + m.replace('\r', ' ').replace('\n', ' '));
  }
}
