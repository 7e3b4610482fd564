package io.fedmesh.proxy.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Turns YAML text into a node tree, and nothing more: SnakeYAML's parser and composer only, never a
 * constructor, so no YAML input can name a Java class to instantiate. A guard between parser and
 * composer refuses, with the position, what a static config file never needs: tags other than the
 * core schema's, more than {@link ProxyConfigLoader#MAX_ALIASES} aliases of lists or mappings (the
 * "billion laughs"), and nesting deeper than {@link ProxyConfigLoader#MAX_NESTING_DEPTH}.
 */
final class SafeYaml {
  /** Tags a node may carry: the YAML core schema's, as implicit resolution or {@code !!x}. */
  private static final Set<String> ALLOWED_TAGS =
      Set.of(
          Tag.STR.getValue(),
          Tag.INT.getValue(),
          Tag.BOOL.getValue(),
          Tag.FLOAT.getValue(),
          Tag.NULL.getValue(),
          Tag.SEQ.getValue(),
          Tag.MAP.getValue());

  private SafeYaml() {}

  static LoaderOptions loaderOptions() {
    LoaderOptions o = new LoaderOptions();
    o.setAllowDuplicateKeys(false);
    o.setAllowRecursiveKeys(false);
    o.setMergeOnCompose(false);
    o.setProcessComments(false);
    // Backstops: the guard below refuses earlier, with a position.
    o.setMaxAliasesForCollections(ProxyConfigLoader.MAX_ALIASES + 1);
    o.setNestingDepthLimit(ProxyConfigLoader.MAX_NESTING_DEPTH + 1);
    o.setCodePointLimit(ProxyConfigLoader.MAX_DOCUMENT_BYTES + 1);
    o.setTagInspector(tag -> false);
    return o;
  }

  /**
   * The document's root node, or {@code null} when the text holds no document.
   *
   * @throws ConfigException on a syntax error or a refused construct, with its position
   */
  static Node compose(String text, String source) {
    LoaderOptions options = loaderOptions();
    try {
      return composer(text, source, options).getSingleNode();
    } catch (YAMLException e) {
      throw refused(e, text, source);
    }
  }

  /**
   * The root node of each document of a stream ({@code ---} separated), in order. A syntax error or
   * a refused construct ends the stream: it goes to {@code problems}, and the documents before it
   * are returned.
   */
  static List<Node> composeAll(String text, String source, Problems problems) {
    LoaderOptions options = loaderOptions();
    List<Node> documents = new ArrayList<>();
    try {
      Composer composer = composer(text, source, options);
      while (composer.checkNode()) {
        documents.add(composer.getNode());
      }
    } catch (YAMLException e) {
      problems.report(refused(e, text, source));
    } catch (ConfigException e) {
      problems.report(e);
    }
    return documents;
  }

  private static Composer composer(String text, String source, LoaderOptions options) {
    Parser parser = new GuardedParser(new ParserImpl(new StreamReader(text), options), source);
    return new Composer(parser, new Resolver(), options);
  }

  private static ConfigException refused(YAMLException e, String text, String source) {
    if (e instanceof MarkedYAMLException marked) {
      return syntaxError(marked, source);
    }
    if (e instanceof ReaderException r) {
      int[] lineCol = lineColumnOfCodePoint(text, r.getPosition());
      return new ConfigException(
          source,
          lineCol[0],
          lineCol[1],
          "",
          String.format(
              Locale.ROOT,
              "character U+%04X is not allowed in YAML (expected: printable Unicode text)",
              r.getCodePoint()),
          e);
    }
    return new ConfigException(source, 0, 0, "", "YAML: " + e.getMessage(), e);
  }

  private static ConfigException syntaxError(MarkedYAMLException e, String source) {
    Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
    StringBuilder detail = new StringBuilder("YAML syntax: ");
    String problem = e.getProblem() == null ? "malformed" : oneLine(e.getProblem());
    String context = e.getContext() == null ? null : oneLine(e.getContext());
    Mark contextMark = e.getContextMark();
    String where =
        contextMark != null && mark != null && contextMark.getLine() != mark.getLine()
            ? " (at line " + (contextMark.getLine() + 1) + ")"
            : "";
    if (context != null && problem.startsWith("but ")) {
      // SnakeYAML splits "expected X, but found Y" into a context and a problem.
      detail.append(context).append(where).append(", ").append(problem);
    } else {
      detail.append(problem);
      if (context != null) {
        detail.append(" (").append(context).append(where).append(')');
      }
    }
    if (problem.contains("\\t(TAB)")) {
      detail.setLength(0);
      detail.append(
          "YAML syntax: a tab where a token should start (YAML indents with spaces, never tabs)");
    }
    int line = mark == null ? 0 : mark.getLine() + 1;
    int column = mark == null ? 0 : mark.getColumn() + 1;
    return new ConfigException(source, line, column, "", detail.toString(), e);
  }

  private static String oneLine(String s) {
    return NodeReader.printable(s.strip().replace('\n', ' '));
  }

  private static int[] lineColumnOfCodePoint(String text, int codePointIndex) {
    int line = 1;
    int column = 1;
    int seen = 0;
    for (int i = 0; i < text.length() && seen < codePointIndex; seen++) {
      int cp = text.codePointAt(i);
      if (cp == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
      i += Character.charCount(cp);
    }
    return new int[] {line, column};
  }

  static ConfigException at(String source, Mark mark, String detail) {
    return new ConfigException(source, mark.getLine() + 1, mark.getColumn() + 1, "", detail);
  }

  /** Checks each event as the composer takes it; refuses with the event's position. */
  private static final class GuardedParser implements Parser {
    private final Parser delegate;
    private final String source;
    private final Map<String, Boolean> anchorIsCollection = new HashMap<>();
    private int collectionAliases;
    private int depth;

    GuardedParser(Parser delegate, String source) {
      this.delegate = delegate;
      this.source = source;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
      return delegate.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
      return delegate.peekEvent();
    }

    @Override
    public Event getEvent() {
      Event event = delegate.getEvent();
      if (event instanceof AliasEvent alias) {
        if (Boolean.TRUE.equals(anchorIsCollection.get(alias.getAnchor()))
            && ++collectionAliases > ProxyConfigLoader.MAX_ALIASES) {
          throw at(
              source,
              event.getStartMark(),
              "more than "
                  + ProxyConfigLoader.MAX_ALIASES
                  + " aliases of lists or mappings (expected: at most "
                  + ProxyConfigLoader.MAX_ALIASES
                  + "; a document that expands exponentially, a 'billion laughs', is refused)");
        }
        return event;
      }
      if (event instanceof ScalarEvent scalar) {
        checkTag(scalar.getTag(), event);
        remember(scalar, false);
      } else if (event instanceof CollectionStartEvent start) {
        checkTag(start.getTag(), event);
        remember(start, true);
        if (++depth > ProxyConfigLoader.MAX_NESTING_DEPTH) {
          throw at(
              source,
              event.getStartMark(),
              "lists and mappings nested more than "
                  + ProxyConfigLoader.MAX_NESTING_DEPTH
                  + " deep (expected: at most "
                  + ProxyConfigLoader.MAX_NESTING_DEPTH
                  + ")");
        }
      } else if (event.is(Event.ID.SequenceEnd) || event.is(Event.ID.MappingEnd)) {
        depth--;
      }
      return event;
    }

    private void remember(NodeEvent event, boolean collection) {
      if (event.getAnchor() != null) {
        anchorIsCollection.put(event.getAnchor(), collection);
      }
    }

    private void checkTag(String tag, Event event) {
      if (tag != null && !tag.equals("!") && !ALLOWED_TAGS.contains(tag)) {
        throw at(
            source,
            event.getStartMark(),
            "tag '"
                + NodeReader.printable(tag)
                + "' is not allowed (expected: plain YAML; only the core tags such as !!str)");
      }
    }
  }
}
