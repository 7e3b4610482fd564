package io.fedmesh.cli;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns option values into domain values, with messages that start with the option's name: the
 * trust-bundle types say what is wrong with a value, this says where it came from.
 */
final class Inputs {
  /** Environment variable naming the CA directory when {@code --ca} is not given. */
  static final String CA_DIR_ENV = "FEDMESH_CA_DIR";

  /** CA directory when neither {@code --ca} nor {@link #CA_DIR_ENV} is given. */
  static final Path DEFAULT_CA_DIR = Path.of("ca");

  private static final long MAX_INPUT_BYTES = 1 << 20;

  private Inputs() {}

  static TrustDomain trustDomain(String option, String value) {
    try {
      return TrustDomain.of(value);
    } catch (TrustException e) {
      throw new UsageException(option + ": " + e.getMessage(), e);
    }
  }

  static SpiffeId spiffeId(String option, String value) {
    try {
      return SpiffeId.parse(value);
    } catch (TrustException e) {
      throw new UsageException(option + ": " + e.getMessage(), e);
    }
  }

  static KeyAlgorithm keyAlgorithm(String option, String value) {
    try {
      return KeyAlgorithm.parse(value);
    } catch (TrustException e) {
      throw new UsageException(
          option
              + ": '"
              + value
              + "' (expected: one of "
              + String.join(", ", keyAlgorithms())
              + ")",
          e);
    }
  }

  private static List<String> keyAlgorithms() {
    List<String> out = new ArrayList<>();
    for (KeyAlgorithm a : KeyAlgorithm.values()) {
      out.add(a.toString());
    }
    return out;
  }

  /**
   * The CA directory: {@code --ca}, else {@code $FEDMESH_CA_DIR}, else {@code ./ca}.
   *
   * @throws UsageException when it is not a directory, naming it and where the name came from
   */
  static Path caDir(Path option, Fedmesh root) {
    Path dir;
    String origin;
    String fromEnv = root.env(CA_DIR_ENV);
    if (option != null) {
      dir = option;
      origin = "from --ca";
    } else if (fromEnv != null && !fromEnv.isBlank()) {
      dir = Path.of(fromEnv);
      origin = "from $" + CA_DIR_ENV;
    } else {
      dir = DEFAULT_CA_DIR;
      origin = "the default when neither --ca nor $" + CA_DIR_ENV + " is set";
    }
    if (!Files.isDirectory(dir)) {
      throw new UsageException(
          dir
              + ": no such CA directory ("
              + origin
              + "; create one with 'fedmesh ca init --out "
              + dir
              + "')");
    }
    return dir;
  }

  /**
   * Reads a small input file (a bundle, a PEM file); a missing, unreadable or oversized file is the
   * user's error.
   */
  static byte[] readSmallFile(Path file) {
    try {
      if (Files.isDirectory(file)) {
        throw new UsageException(file + ": is a directory (expected: a file)");
      }
      long size = Files.size(file);
      if (size > MAX_INPUT_BYTES) {
        throw new UsageException(
            file + ": " + size + " bytes (expected: at most " + MAX_INPUT_BYTES + ")");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new UsageException(file + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new UsageException(file + ": permission denied", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read", e);
    }
  }

  /** Completion candidates for {@code --key-algorithm}. */
  static final class KeyAlgorithmCandidates implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return keyAlgorithms().iterator();
    }
  }
}
