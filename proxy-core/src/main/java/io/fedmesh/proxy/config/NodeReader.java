package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads typed values out of YAML nodes of one source; every error names the node's position, the
 * field path, the value found and what is allowed. Types are strict: an integer field takes a plain
 * decimal integer (not {@code "9080"} in quotes, not {@code 0x50}), a boolean {@code true} or
 * {@code false} only (not {@code yes}). A string field takes any scalar as written, so {@code
 * region: no} is the region "no", not a boolean.
 */
final class NodeReader {
  private static final Pattern DECIMAL_INTEGER = Pattern.compile("[-+]?(0|[1-9][0-9]*)");
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]?\\.[0-9]+");

  private final String source;

  NodeReader(String source) {
    this.source = source;
  }

  String source() {
    return source;
  }

  ConfigException error(Node node, String path, String detail) {
    return error(node, path, detail, null);
  }

  ConfigException error(Node node, String path, String detail, Throwable cause) {
    Mark mark = node.getStartMark();
    return new ConfigException(
        source, mark.getLine() + 1, mark.getColumn() + 1, path, detail, cause);
  }

  /** A mapping with only {@code allowed} keys, each at most once. */
  Fields mapping(Node node, String path, String... allowed) {
    return mapping(node, path).allow(allowed);
  }

  /** A mapping whose keys are not checked yet (see {@link Fields#allow}). */
  Fields mapping(Node node, String path) {
    if (!(node instanceof MappingNode m)) {
      throw error(node, path, describe(node) + " (expected: a mapping of fields)");
    }
    return new Fields(this, m, path);
  }

  List<Node> list(Node node, String path) {
    if (!(node instanceof SequenceNode s)) {
      throw error(node, path, describe(node) + " (expected: a list)");
    }
    return s.getValue();
  }

  String string(Node node, String path) {
    if (!(node instanceof ScalarNode s) || s.getTag().equals(Tag.NULL)) {
      throw error(node, path, describe(node) + " (expected: a string)");
    }
    return s.getValue();
  }

  /** Is {@code root} no document at all: nothing, or an empty one? */
  static boolean isEmpty(Node root) {
    return root == null || (root instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
  }

  /**
   * Records that {@code key} is at {@code node}; when an earlier node had it, the error at {@code
   * node}: {@code "<what> (first at line N; expected: <expected>)"}.
   */
  <K> Optional<ConfigException> repeated(
      Map<K, Node> seen, K key, Node node, String path, String what, String expected) {
    Node first = seen.putIfAbsent(key, node);
    if (first == null) {
      return Optional.empty();
    }
    return Optional.of(
        error(
            node,
            path,
            what
                + " (first at line "
                + (first.getStartMark().getLine() + 1)
                + "; expected: "
                + expected
                + ")"));
  }

  /** A DNS-1123 label, such as a name, namespace or region. */
  String label(Node node, String path) {
    String text = string(node, path);
    Optional<String> problem = Names.labelProblem(text);
    if (problem.isPresent()) {
      throw error(node, path, describe(node) + problem.get());
    }
    return text;
  }

  long longValue(Node node, String path, String expected) {
    ScalarNode s = scalar(node, path, expected);
    if (!s.getTag().equals(Tag.INT)) {
      throw error(node, path, describe(node) + quotedHint(s, expected));
    }
    String text = s.getValue();
    if (!DECIMAL_INTEGER.matcher(text).matches()) {
      throw error(node, path, describe(node) + " (expected: " + expected + ", in decimal)");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw error(node, path, describe(node) + " is out of range (expected: " + expected + ")");
    }
  }

  int integer(Node node, String path) {
    long v = longValue(node, path, "an integer");
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw error(node, path, v + " is out of range (expected: an integer)");
    }
    return (int) v;
  }

  boolean bool(Node node, String path) {
    ScalarNode s = scalar(node, path, "true or false");
    switch (s.getTag().equals(Tag.BOOL) ? s.getValue() : "") {
      case "true":
      case "True":
      case "TRUE":
        return true;
      case "false":
      case "False":
      case "FALSE":
        return false;
      default:
        throw error(node, path, describe(node) + quotedHint(s, "true or false"));
    }
  }

  double decimal(Node node, String path) {
    ScalarNode s = scalar(node, path, "a number");
    if (!(s.getTag().equals(Tag.FLOAT) || s.getTag().equals(Tag.INT))
        || !DECIMAL.matcher(s.getValue()).matches()) {
      throw error(node, path, describe(node) + quotedHint(s, "a decimal number such as 1.4"));
    }
    return Double.parseDouble(s.getValue());
  }

  Duration duration(Node node, String path) {
    ScalarNode s = scalar(node, path, DurationText.EXPECTED);
    try {
      return DurationText.parse(s.getValue());
    } catch (IllegalArgumentException e) {
      throw error(
          node,
          path,
          describe(node) + " " + e.getMessage() + " (expected: " + DurationText.EXPECTED + ")");
    }
  }

  /** One of {@code choices}' keys, exactly as written there. */
  <T> T choice(Node node, String path, Map<String, T> choices) {
    String text = string(node, path);
    T value = choices.get(text);
    if (value != null) {
      return value;
    }
    List<String> names = new ArrayList<>(choices.keySet());
    names.sort(null);
    String hint = suggest(text, names).map(s -> "; did you mean '" + s + "'?").orElse("");
    throw error(
        node, path, describe(node) + " (expected: one of " + String.join(", ", names) + hint + ")");
  }

  private ScalarNode scalar(Node node, String path, String expected) {
    if (!(node instanceof ScalarNode s) || s.getTag().equals(Tag.NULL)) {
      throw error(node, path, describe(node) + " (expected: " + expected + ")");
    }
    return s;
  }

  private static String quotedHint(ScalarNode s, String expected) {
    return s.getTag().equals(Tag.STR) && !s.isPlain()
        ? " is a quoted string (expected: " + expected + "; remove the quotes)"
        : " (expected: " + expected + ")";
  }

  /** How a node shows in a message: its text in quotes, or what kind of node it is. */
  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    ScalarNode s = (ScalarNode) node;
    if (s.getTag().equals(Tag.NULL)) {
      return s.getValue().isEmpty() ? "no value" : "null";
    }
    return "'" + printable(s.getValue()) + "'";
  }

  /** {@code s} with control characters escaped and cut to 120 characters, safe in a message. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), 130));
    for (int i = 0; i < s.length() && i < 120; i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > 120) {
      b.append("...");
    }
    return b.toString();
  }

  /**
   * The option {@code bad} was probably meant to be: equal but for case, '-' or '_', or at most a
   * third of its letters away (at least one).
   */
  static Optional<String> suggest(String bad, Collection<String> options) {
    String folded = fold(bad);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String option : options) {
      if (fold(option).equals(folded)) {
        return Optional.of(option);
      }
      int d = distance(bad.toLowerCase(Locale.ROOT), option.toLowerCase(Locale.ROOT));
      if (d <= Math.max(1, Math.min(bad.length(), option.length()) / 3) && d < bestDistance) {
        best = option;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  private static String fold(String s) {
    return s.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
  }

  /** Edit distance counting a swap of neighbours as one edit (config names are short). */
  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 8) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    int[] beforePrev = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          cur[j] = Math.min(cur[j], beforePrev[j - 2] + 1);
        }
      }
      int[] t = beforePrev;
      beforePrev = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
