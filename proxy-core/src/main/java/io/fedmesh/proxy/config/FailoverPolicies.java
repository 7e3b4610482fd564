package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.TrafficPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads a file of {@link FailoverPolicy} documents ({@code ---} separated; the format is in this
 * package's documentation), all or nothing: when any document has an error, no policy is returned
 * and every error found in the file is reported, each with {@code file:line:col}, the field, the
 * value and what is allowed. {@code fedmesh policy validate} uses it, and {@code fedmesh policy
 * apply} and the controller can too: a file they accept is one this accepts.
 *
 * <p>Locality names are checked against the {@link KnownLocalities} given ({@link
 * KnownLocalities#UNCHECKED}: syntax and the policy's own consistency only). Safe on untrusted
 * input, with the limits of {@link ProxyConfigLoader}.
 */
public final class FailoverPolicies {
  private static final String[] DOCUMENT_FIELDS = {"apiVersion", "kind", "metadata", "spec"};
  private static final String[] SPEC_FIELDS =
      Stream.concat(Stream.of("service"), TrafficPolicyReader.FIELDS.stream())
          .toArray(String[]::new);

  private FailoverPolicies() {}

  /**
   * Loads {@code file}, which must be UTF-8 (a byte order mark is allowed).
   *
   * @return the policies in file order, never empty
   * @throws ConfigErrors when the file cannot be read or any document is invalid
   */
  public static List<FailoverPolicy> load(Path file, KnownLocalities known) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(known, "known");
    String text;
    try {
      text = SourceText.read(file);
    } catch (ConfigException e) {
      throw new ConfigErrors(List.of(e));
    }
    return parse(text, file.toString(), known);
  }

  /**
   * Parses {@code yaml}; {@code sourceName} is what error messages call it, such as a file name.
   *
   * @return the policies in document order, never empty
   * @throws ConfigErrors when any document is invalid
   */
  public static List<FailoverPolicy> parse(String yaml, String sourceName, KnownLocalities known) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    Objects.requireNonNull(known, "known");
    Problems problems = Problems.collecting();
    List<FailoverPolicy> policies = new ArrayList<>();
    try {
      String text = SourceText.checked(yaml, sourceName);
      new Reader(new NodeReader(sourceName), problems, known)
          .read(SafeYaml.composeAll(text, sourceName, problems), policies);
    } catch (ConfigException e) {
      problems.report(e);
    }
    if (problems.count() > 0) {
      throw new ConfigErrors(problems.found());
    }
    return List.copyOf(policies);
  }

  /** Reads the documents of one file, reporting every error to its {@link Problems}. */
  private static final class Reader {
    private final NodeReader r;
    private final Problems problems;
    private final TrafficPolicyReader policyReader;
    private final Map<ServiceName, Node> names = new HashMap<>();
    private final Map<ServiceName, Node> services = new HashMap<>();

    Reader(NodeReader reader, Problems problems, KnownLocalities known) {
      this.r = reader;
      this.problems = problems;
      this.policyReader = new TrafficPolicyReader(reader, problems, known);
    }

    void read(List<Node> documents, List<FailoverPolicy> policies) {
      int read = 0;
      for (Node root : documents) {
        if (NodeReader.isEmpty(root)) {
          continue; // an empty document, as between two '---'
        }
        read++;
        FailoverPolicy policy = problems.read(() -> document(root), null);
        if (policy != null) {
          policies.add(policy);
        }
      }
      if (read == 0 && problems.count() == 0) {
        problems.report(
            new ConfigException(
                r.source(),
                1,
                1,
                "",
                "no policy in the file (expected: one or more "
                    + FailoverPolicy.KIND
                    + " documents, separated by ---, each starting with apiVersion: "
                    + ProxyConfigLoader.API_VERSION
                    + ")"));
      }
    }

    /** One document's policy, or null when it has errors (reported). */
    private FailoverPolicy document(Node root) {
      int before = problems.count();
      Fields doc = r.mapping(root, "");
      doc.constant("apiVersion", ProxyConfigLoader.API_VERSION);
      doc.constant("kind", FailoverPolicy.KIND);
      doc.allow(problems, DOCUMENT_FIELDS);
      Fields metadata =
          problems.read(
              () ->
                  r.mapping(doc.required("metadata"), "metadata")
                      .allow(problems, "name", "namespace"),
              null);
      String name =
          metadata == null
              ? null
              : problems.read(() -> r.label(metadata.required("name"), "metadata.name"), null);
      String namespace =
          metadata == null
              ? null
              : problems.read(
                  () ->
                      metadata.has("namespace")
                          ? r.label(metadata.get("namespace"), "metadata.namespace")
                          : SnapshotReader.DEFAULT_NAMESPACE,
                  null);
      Fields spec =
          problems.read(
              () -> r.mapping(doc.required("spec"), "spec").allow(problems, SPEC_FIELDS), null);
      String service =
          spec == null
              ? null
              : problems.read(() -> r.label(spec.required("service"), "spec.service"), null);
      TrafficPolicy policy = spec == null ? null : policyReader.read(spec);
      if (namespace != null && name != null) {
        ServiceName named = new ServiceName(name, namespace);
        r.repeated(
                names,
                named,
                metadata.get("name"),
                "metadata.name",
                "a second " + FailoverPolicy.KIND + " named " + named,
                "unique names in a namespace")
            .ifPresent(problems::report);
      }
      if (namespace != null && service != null) {
        ServiceName target = new ServiceName(service, namespace);
        r.repeated(
                services,
                target,
                spec.get("service"),
                "spec.service",
                "a second policy for service " + target,
                "one policy per service")
            .ifPresent(problems::report);
      }
      if (problems.count() > before) {
        return null;
      }
      return new FailoverPolicy(name, new ServiceName(service, namespace), policy);
    }
  }
}
