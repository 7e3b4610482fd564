package io.fedmesh.proxy.config;

import io.fedmesh.trust.TrustException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping being read as an object: its keys are unique plain scalars, checked against the
 * fields the object has; absent optional fields take the given default.
 */
final class Fields {
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9]+");
  private static final Pattern QUOTED = Pattern.compile("'[^']*'");
  private static final Pattern ISO_DURATION =
      Pattern.compile("\\bPT(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\\.[0-9]+)?S)?\\b");

  private final NodeReader reader;
  private final MappingNode node;
  private final String path;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

  Fields(NodeReader reader, MappingNode node, String path) {
    this.reader = reader;
    this.node = node;
    this.path = path;
    for (NodeTuple t : node.getValue()) {
      Node key = t.getKeyNode();
      if (!(key instanceof ScalarNode s) || s.getTag().equals(Tag.NULL)) {
        throw reader.error(
            key, path, NodeReader.describe(key) + " as a key (expected: a field name)");
      }
      NodeTuple first = entries.putIfAbsent(s.getValue(), t);
      if (first != null) {
        throw reader.error(
            key,
            path(s.getValue()),
            "duplicate key (first at line "
                + (first.getKeyNode().getStartMark().getLine() + 1)
                + "; a key may appear once in a mapping)");
      }
    }
  }

  MappingNode node() {
    return node;
  }

  String path() {
    return path;
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Refuses a key not in {@code allowed}, suggesting the field probably meant. */
  Fields allow(String... allowed) {
    return allow(Problems.failFast(), allowed);
  }

  /** Reports each key not in {@code allowed} to {@code problems}, suggesting the field meant. */
  Fields allow(Problems problems, String... allowed) {
    List<String> known = Arrays.asList(allowed);
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      if (!known.contains(e.getKey())) {
        String key = e.getKey();
        String hint =
            key.equals("<<")
                ? "merge keys (<<) are not supported; "
                : NodeReader.suggest(key, known).map(s -> "did you mean '" + s + "'? ").orElse("");
        problems.report(
            reader.error(
                e.getValue().getKeyNode(),
                path(key),
                "unknown field ("
                    + hint
                    + "expected"
                    + (path.isEmpty() ? " at the top level" : " in " + path)
                    + ": one of "
                    + String.join(", ", known)
                    + ")"));
      }
    }
    return this;
  }

  boolean has(String key) {
    return entries.containsKey(key);
  }

  /** The value node of {@code key}, or {@code null}. */
  Node get(String key) {
    NodeTuple t = entries.get(key);
    return t == null ? null : t.getValueNode();
  }

  Node required(String key) {
    Node v = get(key);
    if (v == null) {
      throw missing(key, "a required field");
    }
    return v;
  }

  /** {@code key} is absent but needed, for the reason given. */
  ConfigException missing(String key, String why) {
    return reader.error(node, path(key), "missing (" + why + ")");
  }

  /** An error about the value of {@code key}, which is present. */
  ConfigException errorAt(String key, String detail) {
    return reader.error(get(key), path(key), detail);
  }

  /** An error about the value of {@code key}, which is present, from a model rule. */
  ConfigException errorAt(String key, TrustException cause) {
    return reader.error(get(key), path(key), readableDurations(cause.getMessage()), cause);
  }

  /** Checks that {@code key} is present and is exactly {@code expected}, as apiVersion or kind. */
  void constant(String key, String expected) {
    if (!has(key)) {
      throw missing(key, "expected: " + expected);
    }
    String value = reader.string(get(key), path(key));
    if (!value.equals(expected)) {
      throw errorAt(key, "'" + NodeReader.printable(value) + "' (expected: " + expected + ")");
    }
  }

  String string(String key) {
    return reader.string(required(key), path(key));
  }

  String string(String key, String orElse) {
    return has(key) ? reader.string(get(key), path(key)) : orElse;
  }

  int integer(String key) {
    return reader.integer(required(key), path(key));
  }

  int integer(String key, int orElse) {
    return has(key) ? reader.integer(get(key), path(key)) : orElse;
  }

  boolean bool(String key, boolean orElse) {
    return has(key) ? reader.bool(get(key), path(key)) : orElse;
  }

  double decimal(String key, double orElse) {
    return has(key) ? reader.decimal(get(key), path(key)) : orElse;
  }

  Duration duration(String key, Duration orElse) {
    return has(key) ? reader.duration(get(key), path(key)) : orElse;
  }

  <T> T choice(String key, Map<String, T> choices) {
    return reader.choice(required(key), path(key), choices);
  }

  <T> T choice(String key, Map<String, T> choices, T orElse) {
    return has(key) ? reader.choice(get(key), path(key), choices) : orElse;
  }

  /**
   * The list under {@code key}, each element read by {@code element(node, path)}; absent: empty.
   */
  <T> List<T> list(String key, BiFunction<Node, String, T> element) {
    return list(key, element, false, Problems.failFast());
  }

  /** Like {@link #list}, refusing an element equal to an earlier one. */
  <T> List<T> uniqueList(String key, BiFunction<Node, String, T> element) {
    return list(key, element, true, Problems.failFast());
  }

  /**
   * Like {@link #uniqueList}, reporting each bad or repeated element to {@code problems} and
   * leaving it out.
   */
  <T> List<T> uniqueList(String key, BiFunction<Node, String, T> element, Problems problems) {
    return list(key, element, true, problems);
  }

  private <T> List<T> list(
      String key, BiFunction<Node, String, T> element, boolean unique, Problems problems) {
    if (!has(key)) {
      return List.of();
    }
    List<Node> nodes = reader.list(get(key), path(key));
    List<T> out = new ArrayList<>(nodes.size());
    Map<T, Node> seen = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node node = nodes.get(i);
      String p = path(key) + "[" + i + "]";
      T value = problems.read(() -> element.apply(node, p), null);
      if (value == null) {
        continue;
      }
      Node first = unique ? seen.putIfAbsent(value, node) : null;
      if (first != null) {
        problems.report(
            reader.error(
                node,
                p,
                NodeReader.describe(node)
                    + " is listed twice (first at line "
                    + (first.getStartMark().getLine() + 1)
                    + ")"));
        continue;
      }
      out.add(value);
    }
    return out;
  }

  /** The strings under {@code key}, none twice; absent: empty. */
  List<String> strings(String key) {
    return uniqueList(key, reader::string);
  }

  /**
   * Calls a model constructor; a rule it enforces becomes a {@link ConfigException} at the field
   * its message names (the last of this mapping's keys it mentions), or else at this mapping.
   */
  <T> T build(Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (ConfigException e) {
      throw e;
    } catch (TrustException e) {
      throw modelError(e);
    }
  }

  ConfigException modelError(TrustException e) {
    String message = readableDurations(String.valueOf(e.getMessage()));
    String fieldPart = QUOTED.matcher(message).replaceAll("");
    int paren = fieldPart.indexOf('(');
    if (paren >= 0) {
      fieldPart = fieldPart.substring(0, paren);
    }
    String located = null;
    Matcher m = WORD.matcher(fieldPart);
    while (m.find()) {
      if (entries.containsKey(m.group())) {
        located = m.group();
      }
    }
    if (located == null) {
      return reader.error(node, path, message, e);
    }
    return reader.error(get(located), path(located), message, e);
  }

  /** The model prints {@code PT0.5S}; people wrote {@code 500ms}. */
  private static String readableDurations(String message) {
    Matcher m = ISO_DURATION.matcher(message);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String replacement;
      try {
        replacement = DurationText.format(Duration.parse(m.group()));
      } catch (DateTimeParseException ex) {
        replacement = m.group();
      }
      m.appendReplacement(b, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(b);
    return b.toString();
  }
}
