package io.fedmesh.sidecar.inbound;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Normalizes a request path before authorization, so that a rule on {@code /admin} cannot be walked
 * around with {@code /public/../admin}, {@code //admin}, {@code /%61dmin} or {@code /admin/.}; the
 * normalized path is also what is forwarded, so the app and the policy see the same path (the Istio
 * 2021 path-normalization bulletins are the model).
 *
 * <p>Percent-encoded unreserved characters are decoded; {@code %2F}, {@code %5C}, {@code %00} and a
 * raw backslash are refused (they mean different paths to different servers); repeated slashes are
 * merged; {@code .} and {@code ..} segments are resolved (RFC 3986 5.2.4), and a {@code ..} above
 * the root is refused. The query string is kept as it was.
 */
final class PathNormalizer {
  private PathNormalizer() {}

  /** The normalized path (query kept), or empty when the path must be refused with 400. */
  static Optional<String> normalize(String uri) {
    if (uri == null || uri.isEmpty() || uri.charAt(0) != '/') {
      return Optional.empty();
    }
    int q = uri.indexOf('?');
    int pathEnd = q < 0 ? uri.length() : q;
    if (alreadyNormal(uri, pathEnd)) {
      return Optional.of(uri);
    }
    return normalizeSlowly(uri);
  }

  /**
   * Whether {@code uri}'s path (its first {@code end} characters) is its own normal form: no
   * escape, no character to refuse, no repeated slash, no dot segment. Most requests' paths are;
   * they pass with one scan and no copy.
   */
  static boolean alreadyNormal(String uri, int end) {
    int segment = 0;
    for (int i = 0; i < end; i++) {
      char c = uri.charAt(i);
      if (c == '%' || c == '\\' || c < 0x21 || c == 0x7f) {
        return false;
      }
      if (c == '/') {
        if (i > 0 && (i == segment || isDotSegment(uri, segment, i))) {
          return false; // "//" or a "." or ".." segment
        }
        segment = i + 1;
      }
    }
    return !isDotSegment(uri, segment, end);
  }

  private static boolean isDotSegment(String s, int from, int to) {
    int n = to - from;
    return (n == 1 && s.charAt(from) == '.')
        || (n == 2 && s.charAt(from) == '.' && s.charAt(from + 1) == '.');
  }

  /** The full normalization, for a path that is not already normal (and, in tests, any path). */
  static Optional<String> normalizeSlowly(String uri) {
    if (uri == null || uri.isEmpty() || uri.charAt(0) != '/') {
      return Optional.empty();
    }
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? "" : uri.substring(q);
    StringBuilder decoded = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '\\' || c < 0x21 || c == 0x7f) {
        return Optional.empty();
      }
      if (c == '%') {
        if (i + 2 >= path.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(path.charAt(i + 1), 16);
        int lo = Character.digit(path.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        char d = (char) (hi * 16 + lo);
        if (isUnreserved(d)) {
          decoded.append(d);
        } else if (d == '/' || d == '\\' || d == 0) {
          return Optional.empty();
        } else {
          // Keep other escapes as they are, upper-cased, so that equal paths compare equal.
          decoded
              .append('%')
              .append(Character.toUpperCase(path.charAt(i + 1)))
              .append(Character.toUpperCase(path.charAt(i + 2)));
        }
        i += 2;
      } else {
        decoded.append(c);
      }
    }
    Deque<String> segments = new ArrayDeque<>();
    boolean trailingSlash = decoded.length() > 1 && decoded.charAt(decoded.length() - 1) == '/';
    for (String seg : decoded.toString().split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (segments.isEmpty()) {
          return Optional.empty();
        }
        segments.removeLast();
        continue;
      }
      segments.addLast(seg);
    }
    String last = path.endsWith("/.") || path.endsWith("/..") ? "/" : "";
    StringBuilder out = new StringBuilder();
    for (String seg : segments) {
      out.append('/').append(seg);
    }
    if (out.length() == 0) {
      out.append('/');
    } else if (trailingSlash || !last.isEmpty()) {
      out.append('/');
    }
    return Optional.of(out + query);
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
