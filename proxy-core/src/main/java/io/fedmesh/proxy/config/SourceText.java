package io.fedmesh.proxy.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The text of a configuration file, read safely: at most {@link
 * ProxyConfigLoader#MAX_DOCUMENT_BYTES}, strict UTF-8 (a malformed byte is an error at its line and
 * column), a leading byte order mark dropped. Shared by every kind of file this package reads.
 */
final class SourceText {
  private SourceText() {}

  /**
   * The text of {@code file}.
   *
   * @throws ConfigException when it cannot be read, is too large or is not UTF-8
   */
  static String read(Path file) {
    String source = file.toString();
    return decode(readBytes(file, source), source);
  }

  /**
   * {@code text} ready to parse: checked for size, without a byte order mark.
   *
   * @throws ConfigException when it is too large
   */
  static String checked(String text, String source) {
    if (text.length() > ProxyConfigLoader.MAX_DOCUMENT_BYTES) {
      throw tooLarge(source);
    }
    return !text.isEmpty() && text.charAt(0) == '\uFEFF' ? text.substring(1) : text;
  }

  private static byte[] readBytes(Path file, String source) {
    try (InputStream in = Files.newInputStream(file)) {
      // Bounded read: the size an attribute reports can lie (a FIFO, /dev/zero, a growing file).
      byte[] bytes = in.readNBytes(ProxyConfigLoader.MAX_DOCUMENT_BYTES + 1);
      if (bytes.length > ProxyConfigLoader.MAX_DOCUMENT_BYTES) {
        throw tooLarge(source);
      }
      return bytes;
    } catch (IOException e) {
      throw new ConfigException(source, 0, 0, "", "cannot read: " + describe(e), e);
    }
  }

  private static String describe(IOException e) {
    String name = e.getClass().getSimpleName();
    return e.getMessage() == null ? name : name + " (" + e.getMessage() + ")";
  }

  private static ConfigException tooLarge(String source) {
    return new ConfigException(
        source,
        0,
        0,
        "",
        "larger than "
            + ProxyConfigLoader.MAX_DOCUMENT_BYTES
            + " bytes (expected: a configuration of at most 4 MiB)");
  }

  private static String decode(byte[] bytes, String source) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isUnderflow()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int line = 1;
      int column = 1;
      out.flip();
      while (out.hasRemaining()) {
        if (out.get() == '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      throw new ConfigException(
          source,
          line,
          column,
          "",
          String.format(
              Locale.ROOT,
              "byte 0x%02X is not UTF-8 (expected: a UTF-8 text file)",
              bytes[in.position()] & 0xff),
          new CharacterCodingException());
    }
    out.flip();
    return out.toString();
  }
}
