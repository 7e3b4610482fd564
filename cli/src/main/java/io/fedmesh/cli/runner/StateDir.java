package io.fedmesh.cli.runner;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.proxy.config.ConfigException;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.proxy.config.TopologyLoader;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.internal.SecretFiles;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The directory one run of a topology lives in (default {@code ~/.fedmesh/run/<topology>}):
 *
 * <pre>
 * topology.yaml                        the topology as started
 * origin                               the directory it came from (policy files are relative to it)
 * clusters/&lt;c&gt;/ca/                     the cluster's CA (ca.crt, ca.key 0600, bundle.json)
 * clusters/&lt;c&gt;/operator/               the operator SVID for that trust domain (svid.key 0600)
 * clusters/&lt;c&gt;/cluster.log             the cluster process's output
 * clusters/&lt;c&gt;/pid                     its process id
 * clusters/&lt;c&gt;/ready.json              written once it is up: control, controller and gateway
 *                                      addresses
 * </pre>
 *
 * @param root the directory
 */
public record StateDir(Path root) {
  /** The operator's service account: the only identity the control endpoint serves. */
  public static final String OPERATOR_PATH = "/ns/fedmesh-system/sa/operator";

  /** The cluster process's own identity on its control endpoint. */
  public static final String RUNNER_PATH = "/ns/fedmesh-system/sa/cluster-runner";

  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * What a cluster process publishes once it is up.
   *
   * @param cluster the cluster
   * @param pid its process id
   * @param controlHost its control endpoint's host
   * @param controlPort its control endpoint's port
   * @param gatewayHost its east-west gateway's host
   * @param gatewayPort its east-west gateway's port
   * @param controllers its controller replicas' mTLS listeners ({@code host:port}; admin API)
   */
  public record Ready(
      String cluster,
      long pid,
      String controlHost,
      int controlPort,
      String gatewayHost,
      int gatewayPort,
      List<String> controllers) {
    public Ready {
      controllers = controllers == null ? List.of() : List.copyOf(controllers);
    }
  }

  /** The default state directory of topology {@code name}: {@code ~/.fedmesh/run/<name>}. */
  public static StateDir defaultFor(String name) {
    return new StateDir(Path.of(System.getProperty("user.home"), ".fedmesh", "run").resolve(name));
  }

  public Path topologyFile() {
    return root.resolve("topology.yaml");
  }

  public Path clusterDir(String cluster) {
    return root.resolve("clusters").resolve(cluster);
  }

  public Path caDir(String cluster) {
    return clusterDir(cluster).resolve("ca");
  }

  public Path operatorDir(String cluster) {
    return clusterDir(cluster).resolve("operator");
  }

  public Path logFile(String cluster) {
    return clusterDir(cluster).resolve("cluster.log");
  }

  public Path pidFile(String cluster) {
    return clusterDir(cluster).resolve("pid");
  }

  public Path readyFile(String cluster) {
    return clusterDir(cluster).resolve("ready.json");
  }

  /**
   * The topology this run started with (policy files read from where the original lay). When a
   * policy file named there can no longer be read (moved, deleted, another branch checked out), the
   * topology without its policies: {@code up} applied them at start, and the commands that read the
   * run's topology later (down, status, call, ...) need its clusters, so a moved file must not keep
   * a run from being stopped.
   */
  public Topology topology() {
    Path origin = root.resolve("origin");
    String text;
    Path base;
    try {
      base = Files.isRegularFile(origin) ? Path.of(Files.readString(origin).strip()) : null;
      text = Files.readString(topologyFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + topologyFile(), e);
    }
    try {
      return TopologyLoader.parse(text, topologyFile().toString(), base);
    } catch (ConfigException e) {
      String withoutPolicies = withoutPolicies(text);
      if (withoutPolicies == null) {
        throw e;
      }
      try {
        return TopologyLoader.parse(withoutPolicies, topologyFile().toString(), null);
      } catch (ConfigException again) {
        e.addSuppressed(again);
        throw e;
      }
    }
  }

  /** {@code yaml} without its top-level {@code policies}, or null when it has none. */
  private static String withoutPolicies(String yaml) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (RuntimeException unreadable) {
      return null;
    }
    if (!(doc instanceof Map<?, ?> m) || !m.containsKey("policies")) {
      return null;
    }
    Map<Object, Object> copy = new LinkedHashMap<>(m);
    copy.remove("policies");
    return new Yaml().dump(copy);
  }

  /**
   * Creates the directory for {@code topology}: writes its text, each cluster's CA and bundle, and
   * each trust domain's operator SVID ({@code originDir}: where policy files named in the topology
   * lie, or null for the embedded one). A previous run's files are replaced.
   */
  public void create(Topology topology, String topologyText, Path originDir, Clock clock) {
    try {
      Files.createDirectories(root);
      Files.deleteIfExists(root.resolve("origin"));
      if (originDir != null) {
        Files.writeString(root.resolve("origin"), originDir.toAbsolutePath() + "\n");
      }
      Path tmp = root.resolve("topology.yaml.tmp");
      Files.writeString(tmp, topologyText, StandardCharsets.UTF_8);
      Files.move(tmp, topologyFile(), StandardCopyOption.REPLACE_EXISTING);
      for (Topology.Cluster c : topology.clusters()) {
        Path dir = clusterDir(c.name());
        Files.createDirectories(dir);
        Files.deleteIfExists(readyFile(c.name()));
        Files.deleteIfExists(pidFile(c.name()));
        TrustDomain domain = TrustDomain.of(c.trustDomain());
        CertificateAuthority ca = CertificateAuthority.builder(domain).clock(clock).build();
        Files.createDirectories(caDir(c.name()));
        ca.save(caDir(c.name()), true);
        String bundle = BundleCodec.toJson(TrustBundle.of(domain, List.of(ca.root()), 1, null));
        SecretFiles.writePublic(caDir(c.name()).resolve("bundle.json"), bundle + "\n");
        Svid operator = Identities.issue(ca, SpiffeId.parse(domain.idString() + OPERATOR_PATH));
        Files.createDirectories(operatorDir(c.name()));
        SecretFiles.writePrivate(
            operatorDir(c.name()).resolve("svid.key"), operator.privateKeyPem());
        SecretFiles.writePublic(operatorDir(c.name()).resolve("svid.crt"), operator.chainPem());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the state directory " + root, e);
    }
  }

  /** The CA of {@code cluster}. */
  public CertificateAuthority ca(String cluster, Clock clock) {
    return CertificateAuthority.load(caDir(cluster), clock);
  }

  /**
   * The trust bundle of {@code cluster} as {@code fedmesh up} wrote it: what its proxies and the
   * operator pin when they first reach its controllers (other clusters' bundles come by links).
   */
  public TrustBundle bundle(Topology topology, String cluster) {
    return bundle(topology.cluster(cluster).orElseThrow());
  }

  private TrustBundle bundle(Topology.Cluster c) {
    Path file = caDir(c.name()).resolve("bundle.json");
    return BundleCodec.parse(TrustDomain.of(c.trustDomain()), Pem.readFile(file), file.toString());
  }

  /** The operator SVID of {@code cluster}'s trust domain. */
  public Svid operator(String cluster) {
    Path dir = operatorDir(cluster);
    return Svid.fromPem(
        Pem.readFile(dir.resolve("svid.crt")),
        Pem.readFile(dir.resolve("svid.key")),
        dir.toString());
  }

  /**
   * What {@code cluster}'s process published.
   *
   * @throws RunnerException (503) when it is not up
   */
  public Ready requireReady(String cluster) {
    return ready(cluster)
        .orElseThrow(
            () ->
                new RunnerException(
                    503,
                    "cluster "
                        + cluster
                        + " is not running (no "
                        + readyFile(cluster)
                        + "; start it with 'fedmesh up')"));
  }

  /** What {@code cluster}'s process published, when it is up. */
  public Optional<Ready> ready(String cluster) {
    Path f = readyFile(cluster);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(f.toFile(), Ready.class));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  void writeReady(Ready ready) {
    try {
      Path tmp = readyFile(ready.cluster()).resolveSibling("ready.json.tmp");
      Files.write(tmp, JSON.writeValueAsBytes(ready));
      Files.move(
          tmp,
          readyFile(ready.cluster()),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + readyFile(ready.cluster()), e);
    }
  }

  /** The process id recorded for {@code cluster}, if any. */
  public Optional<Long> pid(String cluster) {
    try {
      Path f = pidFile(cluster);
      return Files.isRegularFile(f)
          ? Optional.of(Long.parseLong(Files.readString(f).strip()))
          : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Records {@code pid} as {@code cluster}'s process. */
  public void writePid(String cluster, long pid) {
    try {
      Files.writeString(pidFile(cluster), pid + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + pidFile(cluster), e);
    }
  }

  /** Removes {@code cluster}'s ready file: its process is stopping. */
  public void clearReady(String cluster) {
    delete(cluster, readyFile(cluster));
  }

  /** Removes {@code cluster}'s pid file if it still names {@code pid} (not a later run's). */
  public void clearPid(String cluster, long pid) {
    if (pid(cluster).filter(p -> p == pid).isPresent()) {
      delete(cluster, pidFile(cluster));
    }
  }

  /** Forgets {@code cluster}'s process: its pid and ready files. */
  public void clearProcess(String cluster) {
    delete(cluster, pidFile(cluster));
    delete(cluster, readyFile(cluster));
  }

  private void delete(String cluster, Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + clusterDir(cluster), e);
    }
  }
}
