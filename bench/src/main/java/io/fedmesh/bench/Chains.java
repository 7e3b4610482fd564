package io.fedmesh.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes of each benchmark path and their configuration files, written into a work
 * directory: fedmesh's static ProxyConfig YAML, nginx and HAProxy configs from the templates in
 * {@code io/fedmesh/bench/dataplane/}. Ports are free ephemeral ports on 127.0.0.1, picked once.
 *
 * <p>Two clusters, {@code east} (the caller) and {@code west} (the app), each its own trust domain
 * and CA made with {@code fedmesh ca init}; the certificate directory (from {@code
 * bench/run-dataplane.sh}) holds {@code client-east}, {@code client-west}, {@code app-west} (SVIDs
 * from {@code fedmesh ca issue}), {@code app-west-dns} (the same SPIFFE ID from the same west CA
 * plus a DNS SAN equal to the SNI, for the peers, whose server verification checks the SNI name)
 * and {@code trust-domains.pem} (both CAs).
 */
final class Chains {
  static final String EAST_DOMAIN = "east.bench.fedmesh.local";
  static final String WEST_DOMAIN = "west.bench.fedmesh.local";

  /** The SNI naming the app's port 8080 in cluster west, fedmesh's format, used by all chains. */
  static final String SNI = "app.default.8080.west.fedmesh";

  /** Host header for the same-cluster path. */
  static final String HOST_LOCAL = "app.default.svc.cluster.local";

  /** Host header for every other path (the peers and the direct path ignore it). */
  static final String HOST_CLUSTERSET = "app.default.svc.clusterset.local";

  /**
   * The service whose endpoints are server sidecars started with {@code --app-http2}: fedmesh's
   * HTTP/2 and gRPC loads go to it, so that they stay HTTP/2 up to the app.
   */
  static final String H2_SERVICE = "app-h2";

  /** The SNI naming {@value #H2_SERVICE}'s port 8080 in cluster west. */
  static final String SNI_H2 = H2_SERVICE + ".default.8080.west.fedmesh";

  /** {@code :authority} of fedmesh's same-cluster path for HTTP/2 and gRPC. */
  static final String HOST_LOCAL_H2 = H2_SERVICE + ".default.svc.cluster.local";

  /** {@code :authority} of fedmesh's cross-cluster path for HTTP/2 and gRPC. */
  static final String HOST_CLUSTERSET_H2 = H2_SERVICE + ".default.svc.clusterset.local";

  /** Every mesh name the generator dials; the generator's Vert.x resolves them to 127.0.0.1. */
  static final List<String> MESH_HOSTS =
      List.of(HOST_LOCAL, HOST_CLUSTERSET, HOST_LOCAL_H2, HOST_CLUSTERSET_H2);

  /** Marker line of {@code fedmesh sidecar}. */
  static final String SIDECAR_UP = "sidecar up";

  /** Marker line of {@code fedmesh gateway}. */
  static final String GATEWAY_UP = "gateway up";

  /** How a process tells that it is ready: a marker line, or its port accepting connections. */
  record Launch(String name, List<String> command, String readyMarker, int readyPort) {}

  private final Path work;
  private final Path certs;
  private final String java;
  private final Path cliJar;
  private final List<String> proxyJvmFlags;
  private final boolean cdsArchive;
  private final boolean upgradeHttp1;
  private final Set<Integer> used = new HashSet<>();
  final int appPort;

  Chains(
      Path work,
      Path certs,
      Path cliJar,
      List<String> proxyJvmFlags,
      boolean cdsArchive,
      boolean upgradeHttp1)
      throws IOException {
    this.work = work;
    this.cdsArchive = cdsArchive;
    this.upgradeHttp1 = upgradeHttp1;
    this.certs = certs;
    this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.cliJar = cliJar;
    this.proxyJvmFlags = proxyJvmFlags;
    this.appPort = freePort();
  }

  /** A free TCP port on 127.0.0.1, never the same one twice in this run. */
  int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (used.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free port on 127.0.0.1 after 100 attempts");
  }

  /** The upstream app, on the bench's own classpath. */
  Launch app() {
    return new Launch(
        "upstream app",
        List.of(
            java,
            "-Xmx256m",
            "-XX:+UseParallelGC",
            "-Dvertx.cacheDirBase=" + work.resolve("vertx-cache"),
            "-cp",
            System.getProperty("java.class.path"),
            UpstreamApp.class.getName(),
            Integer.toString(appPort)),
        UpstreamApp.READY,
        0);
  }

  /**
   * West's ProxyConfig with the app's one endpoint at {@code endpointPort} (the server sidecar that
   * speaks HTTP/1.1 to the app) and, unless {@code h2EndpointPort} is 0, service {@value
   * #H2_SERVICE}'s at {@code h2EndpointPort} (the one started with {@code --app-http2}); exported.
   */
  Path westConfig(String file, int endpointPort, int h2EndpointPort) throws IOException {
    String exported = "    exported: true\n";
    String services =
        service("app", exported, "{id: app-1, host: 127.0.0.1, port: " + endpointPort);
    if (h2EndpointPort != 0) {
      services +=
          service(H2_SERVICE, exported, "{id: app-h2-1, host: 127.0.0.1, port: " + h2EndpointPort);
    }
    return proxyConfig(file, "west", services);
  }

  /**
   * East's ProxyConfig: the app (and {@value #H2_SERVICE} when {@code withH2}) only through west's
   * gateway at {@code gatewayPort}.
   */
  Path eastConfig(String file, int gatewayPort, boolean withH2) throws IOException {
    String via =
        "{id: west/west-1a, host: 127.0.0.1, port: "
            + gatewayPort
            + ", region: west, zone: west-1a, cluster: west, weight: 1, sni: ";
    return proxyConfig(
        file,
        "east",
        service("app", "", via + SNI) + (withH2 ? service(H2_SERVICE, "", via + SNI_H2) : ""));
  }

  /** A static ProxyConfig of {@code cluster} with these services. */
  private Path proxyConfig(String file, String cluster, String services) throws IOException {
    return write(
        file,
        "apiVersion: fedmesh.io/v1alpha1\n"
            + "kind: ProxyConfig\n"
            + "cluster: "
            + cluster
            + "\n"
            + "locality: {region: "
            + cluster
            + ", zone: "
            + cluster
            + "-1a}\n"
            + "services:\n"
            + services);
  }

  /**
   * Service {@code name} in namespace default, port 8080, the app's SPIFFE ID, with one endpoint
   * ({@code endpoint} is its flow mapping without the closing brace; a zone is added when it has
   * none).
   */
  private static String service(String name, String exported, String endpoint) {
    return "  - name: "
        + name
        + "\n"
        + "    namespace: default\n"
        + "    ports: [{name: http, port: 8080, protocol: http}]\n"
        + "    identities: [spiffe://"
        + WEST_DOMAIN
        + "/ns/default/sa/app]\n"
        + exported
        + "    endpoints:\n"
        + "      - "
        + endpoint
        + (endpoint.contains("zone:") ? "" : ", zone: west-1a")
        + "}\n";
  }

  /**
   * {@code fedmesh sidecar} with the SVID in {@code certs/svid}, trusting {@code peerDomain}'s
   * bundle when not null; listening on {@code inbound} and {@code outbound}; speaking h2c to the
   * app when {@code appHttp2}.
   */
  Launch sidecar(
      String name,
      Path config,
      String svid,
      String peerDomain,
      int inbound,
      int outbound,
      boolean appHttp2) {
    List<String> cmd = new ArrayList<>(proxyJvm());
    cmd.addAll(
        List.of(
            "sidecar",
            "--config",
            config.toString(),
            "--svid",
            certs.resolve(svid).toString(),
            "--app-port",
            Integer.toString(appPort),
            "--inbound",
            "127.0.0.1:" + inbound,
            "--outbound",
            "127.0.0.1:" + outbound,
            "--admin",
            "127.0.0.1:" + freePort()));
    if (appHttp2) {
      cmd.add("--app-http2");
    }
    if (upgradeHttp1) {
      cmd.add("--upgrade-http1");
    }
    if (peerDomain != null) {
      String ca = peerDomain.startsWith("east") ? "east-ca" : "west-ca";
      cmd.add("--trust-bundle");
      cmd.add(peerDomain + "=" + certs.resolve(ca).resolve("bundle.json"));
    }
    return new Launch(name, cmd, SIDECAR_UP, 0);
  }

  /** {@code fedmesh gateway} for {@code config} on {@code port}. */
  Launch gateway(String name, Path config, int port) {
    List<String> cmd = new ArrayList<>(proxyJvm());
    cmd.addAll(
        List.of(
            "gateway",
            "--config",
            config.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--admin",
            "127.0.0.1:" + freePort()));
    return new Launch(name, cmd, GATEWAY_UP, 0);
  }

  /**
   * {@code bin/fedmesh} of the checkout that built {@code cliJar}, as a user starts a proxy: with
   * the tuned flags of {@code bin/proxy-jvm.options} and a CDS archive in this run's work directory
   * (written by the first start; none when {@code cdsArchive} is false, as in smoke runs, which
   * have no uncounted first start to write it), or with {@code proxyJvmFlags} instead when given.
   */
  private List<String> proxyJvm() {
    Path launcher =
        cliJar.toAbsolutePath().getParent().getParent().getParent().resolve("bin/fedmesh");
    List<String> cmd = new ArrayList<>();
    cmd.add("env");
    if (proxyJvmFlags.isEmpty()) {
      cmd.addAll(List.of("-u", "FEDMESH_JAVA_OPTS"));
    } else {
      cmd.add("FEDMESH_JAVA_OPTS=" + String.join(" ", proxyJvmFlags));
    }
    cmd.add("FEDMESH_CDS_DIR=" + (cdsArchive ? work.resolve("cds").toString() : "off"));
    cmd.add("JAVA_HOME=" + System.getProperty("java.home"));
    cmd.add(launcher.toString());
    return cmd;
  }

  /**
   * One nginx process from template {@code nginx-<role>.conf}, listening on {@code port} (and, the
   * outbound role, for h2c on {@code h2Port}) and forwarding to {@code next}; its files go to
   * directory {@code nginx-<instance>}.
   */
  Launch nginx(String role, String instance, int port, int h2Port, int next) throws IOException {
    Path dir = Files.createDirectories(work.resolve("nginx-" + instance));
    Map<String, String> vars = vars(dir, port, h2Port, next);
    Files.writeString(
        dir.resolve("common.conf"), fill("nginx-common.conf", vars), StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve("nginx.conf"), fill("nginx-" + role + ".conf", vars), StandardCharsets.UTF_8);
    return new Launch(
        "nginx " + role,
        List.of(
            "nginx",
            "-e",
            dir.resolve("error.log").toString(),
            "-p",
            dir.toString(),
            "-c",
            dir.resolve("nginx.conf").toString()),
        null,
        port);
  }

  /**
   * One HAProxy process from template {@code haproxy-<role>.cfg} (ports as for {@link #nginx}),
   * files in {@code haproxy-<instance>}.
   */
  Launch haproxy(String role, String instance, int port, int h2Port, int next) throws IOException {
    Path dir = Files.createDirectories(work.resolve("haproxy-" + instance));
    Files.writeString(
        dir.resolve("haproxy.cfg"),
        fill("haproxy-" + role + ".cfg", vars(dir, port, h2Port, next)),
        StandardCharsets.UTF_8);
    return new Launch(
        "haproxy " + role,
        List.of("haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString()),
        null,
        port);
  }

  private Map<String, String> vars(Path dir, int port, int h2Port, int next) {
    Map<String, String> vars = new HashMap<>();
    vars.put("DIR", dir.toString());
    vars.put("CERTS", certs.toString());
    vars.put("PORT", Integer.toString(port));
    vars.put("PORT_H2", Integer.toString(h2Port));
    vars.put("GRPC_SERVICE", UpstreamApp.GRPC_SERVICE);
    vars.put("NEXT_PORT", Integer.toString(next));
    vars.put("SNI", SNI);
    vars.put("INBOUND_SVID", "app-west-dns");
    // With --upgrade-http1 HAProxy, like fedmesh, carries HTTP/1.1 on as HTTP/2, marked by a header
    // so that its inbound sends it to the app as HTTP/1.1 (and drops the mark), as fedmesh's does.
    vars.put("H1_UPSTREAM_ALPN", upgradeHttp1 ? " alpn h2" : "");
    vars.put("H1_MARK", upgradeHttp1 ? "  http-request set-header " + UPGRADED_MARK + " 1\n" : "");
    vars.put("UNMARK", upgradeHttp1 ? "  http-request del-header " + UPGRADED_MARK + "\n" : "");
    vars.put(
        "UPGRADED_RULE",
        upgradeHttp1 ? "  use_backend app if { req.hdr(" + UPGRADED_MARK + ") -m found }\n" : "");
    return vars;
  }

  /** The header the HAProxy chain marks upgraded HTTP/1.1 requests with. */
  private static final String UPGRADED_MARK = "x-bench-upgraded";

  private static String fill(String template, Map<String, String> vars) throws IOException {
    String text;
    try (InputStream in = Chains.class.getResourceAsStream("dataplane/" + template)) {
      if (in == null) {
        throw new IOException("missing template io/fedmesh/bench/dataplane/" + template);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (Map.Entry<String, String> v : vars.entrySet()) {
      text = text.replace("{{" + v.getKey() + "}}", v.getValue());
    }
    if (text.contains("{{")) {
      throw new IOException("template " + template + " has an unfilled placeholder: " + text);
    }
    return text;
  }

  private Path write(String file, String content) throws IOException {
    Path p = work.resolve(file);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }
}
