package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.ProxySnapshot;
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
import java.util.Objects;

/**
 * Loads a static proxy configuration file ({@code kind: ProxyConfig}, described in this package's
 * documentation) into a {@link ProxySnapshot}: the form standalone sidecars, gateways and tests
 * use; the controller's push produces the same snapshot.
 *
 * <p>Loading is safe on untrusted input: the YAML is composed into nodes and read field by field,
 * never bound to classes by name; tags beyond the core schema are refused; a file is at most {@link
 * #MAX_DOCUMENT_BYTES}, nests at most {@link #MAX_NESTING_DEPTH} deep and aliases lists or mappings
 * at most {@link #MAX_ALIASES} times, so a "billion laughs" fails at once.
 *
 * <p>Every failure is a {@link ConfigException} naming {@code file:line:col}, the field path, the
 * value and what is allowed.
 */
public final class ProxyConfigLoader {
  /** The only {@code apiVersion} understood. */
  public static final String API_VERSION = "fedmesh.io/v1alpha1";

  /** The document's {@code kind}. */
  public static final String KIND = "ProxyConfig";

  /** The snapshot version when the file names none. */
  public static final long DEFAULT_VERSION = 1;

  /** Largest file accepted, 4 MiB. */
  public static final int MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

  /** Most aliases ({@code *name}) of lists or mappings in one document. */
  public static final int MAX_ALIASES = 50;

  /** Deepest nesting of lists and mappings (the format itself needs 6). */
  public static final int MAX_NESTING_DEPTH = 32;

  private ProxyConfigLoader() {}

  /**
   * Loads {@code file}, which must be UTF-8 (a byte order mark is allowed).
   *
   * @throws ConfigException when it cannot be read or is not a valid configuration
   */
  public static ProxySnapshot load(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    return parse(decode(read(file, source), source), source);
  }

  /**
   * Parses {@code yaml}; {@code sourceName} is what error messages call it, such as a file name.
   *
   * @throws ConfigException when it is not a valid configuration
   */
  public static ProxySnapshot parse(String yaml, String sourceName) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    if (yaml.length() > MAX_DOCUMENT_BYTES) {
      throw tooLarge(sourceName);
    }
    if (!yaml.isEmpty() && yaml.charAt(0) == '\uFEFF') {
      yaml = yaml.substring(1);
    }
    return new SnapshotReader(new NodeReader(sourceName)).read(SafeYaml.compose(yaml, sourceName));
  }

  private static byte[] read(Path file, String source) {
    try (InputStream in = Files.newInputStream(file)) {
      // Bounded read: the size an attribute reports can lie (a FIFO, /dev/zero, a growing file).
      byte[] bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
      if (bytes.length > MAX_DOCUMENT_BYTES) {
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
            + MAX_DOCUMENT_BYTES
            + " bytes (expected: a configuration of at most 4 MiB)");
  }

  /** Strict UTF-8: a malformed byte is an error at its line and column, not a U+FFFD. */
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
              java.util.Locale.ROOT,
              "byte 0x%02X is not UTF-8 (expected: a UTF-8 text file)",
              bytes[in.position()] & 0xff),
          new CharacterCodingException());
    }
    out.flip();
    return out.toString();
  }
}
