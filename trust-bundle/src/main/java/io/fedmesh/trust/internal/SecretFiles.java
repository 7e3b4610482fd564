package io.fedmesh.trust.internal;

import io.fedmesh.trust.TrustException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files atomically (temp file then rename), private ones with mode 0600 from the moment they
 * exist, so a key is never readable by others even for an instant.
 */
public final class SecretFiles {
  private static final Set<PosixFilePermission> OWNER_RW =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC =
      PosixFilePermissions.fromString("rw-r--r--");

  private SecretFiles() {}

  /** Writes {@code content} to {@code file} with mode 0600. */
  public static void writePrivate(Path file, String content) {
    write(file, content, OWNER_RW);
  }

  /** Writes {@code content} to {@code file} with mode 0644. */
  public static void writePublic(Path file, String content) {
    write(file, content, PUBLIC);
  }

  /** Refuses to overwrite an existing file unless {@code force}. */
  public static void checkAbsent(Path file, boolean force) {
    if (!force && Files.exists(file)) {
      throw new TrustException(file + ": already exists (use --force to overwrite)");
    }
  }

  private static void write(Path file, String content, Set<PosixFilePermission> mode) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp =
          Files.createTempFile(
              dir,
              "." + file.getFileName() + ".",
              ".tmp",
              PosixFilePermissions.asFileAttribute(mode));
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setPosixFilePermissions(file, mode);
    } catch (FileAlreadyExistsException e) {
      throw new TrustException(file + ": already exists", e);
    } catch (IOException e) {
      throw new TrustException(file + ": cannot write (" + e.getMessage() + ")", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the rename normally consumed it
        }
      }
    }
  }
}
