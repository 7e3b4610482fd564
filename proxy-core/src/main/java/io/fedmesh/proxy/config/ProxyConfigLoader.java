package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.ProxySnapshot;
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
    return parse(SourceText.read(file), file.toString());
  }

  /**
   * Parses {@code yaml}; {@code sourceName} is what error messages call it, such as a file name.
   *
   * @throws ConfigException when it is not a valid configuration
   */
  public static ProxySnapshot parse(String yaml, String sourceName) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    String text = SourceText.checked(yaml, sourceName);
    return new SnapshotReader(new NodeReader(sourceName)).read(SafeYaml.compose(text, sourceName));
  }
}
