package io.fedmesh.proxy.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where a reader's errors go. Fail-fast (a {@code ProxyConfig}, whose first error is its answer)
 * throws each at once; collecting (a policy file, where an operator wants every error in one run)
 * keeps them, and the reader carries on with the next field, using a stand-in value for the bad
 * one. A reader builds a model object only when no error was found inside it, so a stand-in never
 * causes a second, made-up error.
 */
final class Problems {
  private final boolean failFast;
  private final List<ConfigException> found = new ArrayList<>();

  private Problems(boolean failFast) {
    this.failFast = failFast;
  }

  static Problems failFast() {
    return new Problems(true);
  }

  static Problems collecting() {
    return new Problems(false);
  }

  /** Records {@code e}; fail-fast, throws it. */
  void report(ConfigException e) {
    if (failFast) {
      throw e;
    }
    found.add(e);
  }

  /** Runs {@code read}; on a {@link ConfigException} reports it and returns {@code standIn}. */
  <T> T read(Supplier<T> read, T standIn) {
    try {
      return read.get();
    } catch (ConfigException e) {
      report(e);
      return standIn;
    }
  }

  /** Runs {@code check}, reporting the {@link ConfigException} it throws. */
  void check(Runnable check) {
    read(
        () -> {
          check.run();
          return null;
        },
        null);
  }

  /** How many errors were found so far: compare before and after reading a part. */
  int count() {
    return found.size();
  }

  /** The errors found, in file order (by line, then column). */
  List<ConfigException> found() {
    List<ConfigException> sorted = new ArrayList<>(found);
    sorted.sort(
        Comparator.comparingInt(ConfigException::line).thenComparingInt(ConfigException::column));
    return List.copyOf(sorted);
  }
}
