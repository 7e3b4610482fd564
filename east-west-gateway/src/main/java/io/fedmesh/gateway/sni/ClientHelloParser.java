package io.fedmesh.gateway.sni;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the server name out of the first bytes a client sends, without taking part in TLS: a
 * bounds-checked parser of the TLS record layer (RFC 8446 §5.1), the ClientHello (§4.1.2) and the
 * {@code server_name} extension (RFC 6066 §3).
 *
 * <p>It is fed the bytes buffered so far, again as more arrive, and answers in one of these ways:
 *
 * <ul>
 *   <li>{@link Status#NEED_MORE}: not enough yet; {@link Result#needed()} says how many bytes in
 *       total must be buffered before another call can answer anything new (so a client trickling
 *       one byte at a time costs one parse per record, not one per byte);
 *   <li>{@link Status#CLIENT_HELLO}: a whole ClientHello, with the {@code host_name} of its {@code
 *       server_name} extension, or none;
 *   <li>{@link Status#NOT_TLS}: the first record is not a TLS handshake record (plaintext, HTTP, an
 *       SSLv2-style hello: first byte with the high bit set);
 *   <li>{@link Status#MALFORMED}: a TLS handshake record whose content is not a well-formed
 *       ClientHello (lengths that overrun their container, a non-ClientHello first message, another
 *       record type interleaved, a zero-length or over-long record, trailing bytes);
 *   <li>{@link Status#MALFORMED_SNI}: a well-formed ClientHello whose {@code server_name} extension
 *       is broken (empty, lengths that lie, an empty or non-printable name, two {@code host_name}
 *       entries, the extension twice);
 *   <li>{@link Status#TOO_LARGE}: the ClientHello cannot fit in {@code maxBytes} (told as soon as a
 *       header announces it, without waiting for the bytes).
 * </ul>
 *
 * <p>A {@code server_name} list may carry other name types (none is defined besides {@code
 * host_name(0)}); they are skipped and the {@code host_name} taken. Two {@code host_name} entries
 * are refused rather than choosing one, as RFC 6066 forbids them and a gateway and a backend that
 * chose differently would disagree about where the connection goes. The name is returned as sent
 * (printable ASCII, not lower-cased); deciding whether it is a valid fedmesh SNI is the caller's
 * job.
 *
 * <p>Stateless and allocation-light; safe from any thread.
 */
public final class ClientHelloParser {
  /** TLS record header: type(1), version(2), length(2). */
  public static final int RECORD_HEADER_LENGTH = 5;

  /** Largest TLS plaintext record fragment (2^14). */
  public static final int MAX_RECORD_LENGTH = 1 << 14;

  static final int CONTENT_TYPE_HANDSHAKE = 22;
  static final int HANDSHAKE_CLIENT_HELLO = 1;
  static final int EXTENSION_SERVER_NAME = 0;
  static final int NAME_TYPE_HOST_NAME = 0;
  private static final int HANDSHAKE_HEADER_LENGTH = 4;

  private ClientHelloParser() {}

  /** How a parse ended. */
  public enum Status {
    NEED_MORE,
    CLIENT_HELLO,
    NOT_TLS,
    MALFORMED,
    MALFORMED_SNI,
    TOO_LARGE
  }

  /**
   * The outcome of one parse.
   *
   * @param status what was found
   * @param serverName the {@code host_name}, for {@link Status#CLIENT_HELLO} with one
   * @param needed for {@link Status#NEED_MORE}, total bytes to buffer before parsing again
   * @param detail why, for the failures (for logs; never sent to the peer)
   */
  public record Result(Status status, Optional<String> serverName, int needed, String detail) {
    static Result needMore(int needed) {
      return new Result(Status.NEED_MORE, Optional.empty(), needed, "");
    }

    static Result hello(String serverName) {
      return new Result(Status.CLIENT_HELLO, Optional.ofNullable(serverName), 0, "");
    }

    static Result fail(Status status, String detail) {
      return new Result(status, Optional.empty(), 0, detail);
    }
  }

  /**
   * Parses the first {@code length} bytes of {@code data}, the start of a connection.
   *
   * @param maxBytes the most the caller will buffer for the ClientHello, record headers included
   */
  public static Result parse(byte[] data, int length, int maxBytes) {
    if (length < 0 || length > data.length) {
      throw new IllegalArgumentException(
          "length: " + length + " (expected: 0.." + data.length + ")");
    }
    if (length == 0) {
      return Result.needMore(1);
    }
    int first = data[0] & 0xff;
    if (first != CONTENT_TYPE_HANDSHAKE) {
      if ((first & 0x80) != 0) {
        return Result.fail(Status.NOT_TLS, "SSLv2-style record header (first byte 0x80 set)");
      }
      return Result.fail(
          Status.NOT_TLS, "first byte " + first + " (expected: 22, a TLS handshake record)");
    }
    // Reassemble the handshake message across records.
    byte[] handshake = null;
    int handshakeLength = 0;
    int pos = 0;
    while (true) {
      if (length - pos < RECORD_HEADER_LENGTH) {
        return needMoreWithin(pos + RECORD_HEADER_LENGTH, maxBytes);
      }
      int type = data[pos] & 0xff;
      int major = data[pos + 1] & 0xff;
      int recordLength = u16(data, pos + 3);
      if (type != CONTENT_TYPE_HANDSHAKE) {
        return Result.fail(
            Status.MALFORMED, "record type " + type + " before the ClientHello was complete");
      }
      if (major != 3) {
        return pos == 0
            ? Result.fail(Status.NOT_TLS, "record version major " + major + " (expected: 3)")
            : Result.fail(Status.MALFORMED, "record version major " + major + " (expected: 3)");
      }
      if (recordLength == 0) {
        return Result.fail(Status.MALFORMED, "zero-length handshake record");
      }
      if (recordLength > MAX_RECORD_LENGTH) {
        return Result.fail(
            Status.MALFORMED, "record length " + recordLength + " (expected: at most 16384)");
      }
      int recordEnd = pos + RECORD_HEADER_LENGTH + recordLength;
      if (recordEnd > maxBytes) {
        return Result.fail(
            Status.TOO_LARGE, "record ends at byte " + recordEnd + " (limit: " + maxBytes + ")");
      }
      if (pos == 0) {
        // Look at the handshake header as soon as it is here, before the record is complete, so a
        // huge announced length is refused without waiting for its bytes.
        if (length < RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH) {
          return Result.needMore(
              Math.min(recordEnd, RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH));
        }
        Result early = checkHandshakeHeader(data, RECORD_HEADER_LENGTH, maxBytes);
        if (early != null) {
          return early;
        }
      }
      if (length < recordEnd) {
        return Result.needMore(recordEnd);
      }
      if (handshake == null) {
        // Fragments together are shorter than the bytes that carry them.
        handshake = new byte[length];
      }
      System.arraycopy(data, pos + RECORD_HEADER_LENGTH, handshake, handshakeLength, recordLength);
      handshakeLength += recordLength;
      pos = recordEnd;
      if (handshakeLength >= HANDSHAKE_HEADER_LENGTH) {
        Result bad = checkHandshakeHeader(handshake, 0, maxBytes);
        if (bad != null) {
          return bad;
        }
        int bodyLength = u24(handshake, 1);
        if (handshakeLength >= HANDSHAKE_HEADER_LENGTH + bodyLength) {
          return parseClientHello(handshake, HANDSHAKE_HEADER_LENGTH, bodyLength);
        }
      }
    }
  }

  private static Result needMoreWithin(int needed, int maxBytes) {
    if (needed > maxBytes) {
      return Result.fail(
          Status.TOO_LARGE,
          "ClientHello continues past " + maxBytes + " bytes (limit: " + maxBytes + ")");
    }
    return Result.needMore(needed);
  }

  /** Null when the handshake header at {@code off} is a ClientHello that can fit. */
  private static Result checkHandshakeHeader(byte[] b, int off, int maxBytes) {
    int msgType = b[off] & 0xff;
    if (msgType != HANDSHAKE_CLIENT_HELLO) {
      return Result.fail(
          Status.MALFORMED, "handshake type " + msgType + " (expected: 1, client_hello)");
    }
    int bodyLength = u24(b, off + 1);
    int records =
        (HANDSHAKE_HEADER_LENGTH + bodyLength + MAX_RECORD_LENGTH - 1) / MAX_RECORD_LENGTH;
    long minimumWire =
        (long) HANDSHAKE_HEADER_LENGTH
            + bodyLength
            + (long) Math.max(1, records) * RECORD_HEADER_LENGTH;
    if (minimumWire > maxBytes) {
      return Result.fail(
          Status.TOO_LARGE,
          "ClientHello of " + bodyLength + " bytes (limit: " + maxBytes + " on the wire)");
    }
    return null;
  }

  private static Result parseClientHello(byte[] b, int off, int bodyLength) {
    Reader r = new Reader(b, off, off + bodyLength);
    if (!r.has(2)) {
      return truncated("legacy_version");
    }
    int major = r.u8();
    r.skip(1);
    if (major != 3) {
      return Result.fail(Status.MALFORMED, "ClientHello version major " + major + " (expected: 3)");
    }
    if (!r.has(32)) {
      return truncated("random");
    }
    r.skip(32);
    if (!r.has(1)) {
      return truncated("session_id length");
    }
    int sessionIdLength = r.u8();
    if (sessionIdLength > 32) {
      return Result.fail(
          Status.MALFORMED, "session_id length " + sessionIdLength + " (expected: 0..32)");
    }
    if (!r.has(sessionIdLength)) {
      return truncated("session_id");
    }
    r.skip(sessionIdLength);
    if (!r.has(2)) {
      return truncated("cipher_suites length");
    }
    int suitesLength = r.u16();
    if (suitesLength < 2 || suitesLength % 2 != 0) {
      return Result.fail(
          Status.MALFORMED,
          "cipher_suites length " + suitesLength + " (expected: even, at least 2)");
    }
    if (!r.has(suitesLength)) {
      return truncated("cipher_suites");
    }
    r.skip(suitesLength);
    if (!r.has(1)) {
      return truncated("compression_methods length");
    }
    int compressionLength = r.u8();
    if (compressionLength < 1) {
      return Result.fail(Status.MALFORMED, "compression_methods empty (expected: at least 1)");
    }
    if (!r.has(compressionLength)) {
      return truncated("compression_methods");
    }
    r.skip(compressionLength);
    if (r.remaining() == 0) {
      return Result.hello(null); // no extensions at all (a TLS 1.0-era hello)
    }
    if (!r.has(2)) {
      return truncated("extensions length");
    }
    int extensionsLength = r.u16();
    if (extensionsLength != r.remaining()) {
      return Result.fail(
          Status.MALFORMED,
          "extensions length "
              + extensionsLength
              + " but "
              + r.remaining()
              + " bytes remain in the ClientHello");
    }
    String serverName = null;
    boolean sawServerName = false;
    while (r.remaining() > 0) {
      if (!r.has(4)) {
        return truncated("extension header");
      }
      int type = r.u16();
      int length = r.u16();
      if (!r.has(length)) {
        return Result.fail(
            Status.MALFORMED,
            "extension " + type + " length " + length + " but " + r.remaining() + " bytes remain");
      }
      if (type == EXTENSION_SERVER_NAME) {
        if (sawServerName) {
          return Result.fail(Status.MALFORMED_SNI, "server_name extension appears twice");
        }
        sawServerName = true;
        Result sni = parseServerName(new Reader(b, r.pos, r.pos + length));
        if (sni.status() != Status.CLIENT_HELLO) {
          return sni;
        }
        serverName = sni.serverName().orElse(null);
      }
      r.skip(length);
    }
    return Result.hello(serverName);
  }

  private static Result parseServerName(Reader r) {
    if (r.remaining() == 0) {
      return Result.fail(Status.MALFORMED_SNI, "server_name extension empty in a ClientHello");
    }
    if (!r.has(2)) {
      return Result.fail(Status.MALFORMED_SNI, "server_name list length truncated");
    }
    int listLength = r.u16();
    if (listLength != r.remaining()) {
      return Result.fail(
          Status.MALFORMED_SNI,
          "server_name list length " + listLength + " but extension holds " + r.remaining());
    }
    if (listLength == 0) {
      return Result.fail(Status.MALFORMED_SNI, "server_name list empty");
    }
    String hostName = null;
    while (r.remaining() > 0) {
      if (!r.has(3)) {
        return Result.fail(Status.MALFORMED_SNI, "server_name entry header truncated");
      }
      int nameType = r.u8();
      int nameLength = r.u16();
      if (!r.has(nameLength)) {
        return Result.fail(
            Status.MALFORMED_SNI,
            "server_name entry length " + nameLength + " but " + r.remaining() + " bytes remain");
      }
      if (nameType == NAME_TYPE_HOST_NAME) {
        if (hostName != null) {
          return Result.fail(Status.MALFORMED_SNI, "more than one host_name in server_name");
        }
        if (nameLength == 0) {
          return Result.fail(Status.MALFORMED_SNI, "empty host_name");
        }
        for (int i = 0; i < nameLength; i++) {
          int c = r.b[r.pos + i] & 0xff;
          if (c <= 0x20 || c >= 0x7f) {
            return Result.fail(
                Status.MALFORMED_SNI, "host_name byte " + i + " is " + c + " (not printable)");
          }
        }
        hostName = new String(r.b, r.pos, nameLength, StandardCharsets.US_ASCII);
      }
      r.skip(nameLength);
    }
    return Result.hello(hostName);
  }

  private static Result truncated(String field) {
    return Result.fail(Status.MALFORMED, "ClientHello ends inside " + field);
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }

  private static int u24(byte[] b, int off) {
    return ((b[off] & 0xff) << 16) | ((b[off + 1] & 0xff) << 8) | (b[off + 2] & 0xff);
  }

  /** A cursor over {@code b[pos, end)} that never reads past {@code end}. */
  private static final class Reader {
    final byte[] b;
    int pos;
    final int end;

    Reader(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    int remaining() {
      return end - pos;
    }

    boolean has(int n) {
      return n >= 0 && n <= end - pos;
    }

    int u8() {
      return b[pos++] & 0xff;
    }

    int u16() {
      int v = ClientHelloParser.u16(b, pos);
      pos += 2;
      return v;
    }

    void skip(int n) {
      pos += n;
    }
  }
}
