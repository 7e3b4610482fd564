package io.fedmesh.proxy.model;

import java.util.Locale;

/** What a service port speaks. HTTP ports carry HTTP/1.1, h2c and gRPC; TCP ports raw bytes. */
public enum Protocol {
  HTTP,
  GRPC,
  TCP;

  /** Parses {@code http}, {@code grpc} or {@code tcp}. */
  public static Protocol parse(String field, String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ModelException(field + ": '" + s + "' (expected: http, grpc or tcp)");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
