package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The lists of jars the sidecar and gateway modules write into their jars, from which the build
 * makes fedmesh-proxy.jar's class path (cli/pom.xml). They must name jars as cli/target/lib holds
 * them (a name that differs would leave the proxy without that jar), hold what the proxies use, and
 * nothing only the controller or the service mirror needs.
 */
class ProxyClassPathTest {
  private static final String RESOURCE = "META-INF/fedmesh/runtime-classpath";

  /** Each proxy module's list, by the URL of the jar holding it. */
  private static Map<String, List<String>> lists() throws IOException {
    Map<String, List<String>> lists = new TreeMap<>();
    for (URL url :
        Collections.list(ProxyClassPathTest.class.getClassLoader().getResources(RESOURCE))) {
      try (InputStream in = url.openStream()) {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(text).as("%s", url).isNotEmpty();
        lists.put(url.toString(), Arrays.asList(text.split(File.pathSeparator)));
      }
    }
    return lists;
  }

  private static List<String> listedJars() throws IOException {
    return lists().values().stream().flatMap(List::stream).toList();
  }

  /**
   * Whether a listed name ("lib/x-1.0.jar") is the class path entry {@code entry}: a jar of that
   * file name, or, when a reactor build has not packaged a fedmesh module yet, that module's
   * classes directory (".../proxy-core/target/classes" for "lib/proxy-core-0.1.0-SNAPSHOT.jar").
   */
  private static Predicate<String> isEntry(Path entry) {
    if (Files.isDirectory(entry) && entry.endsWith(Path.of("target", "classes"))) {
      String module = entry.getParent().getParent().getFileName().toString();
      return name -> name.matches("lib/" + java.util.regex.Pattern.quote(module) + "-\\d.*\\.jar");
    }
    String file = "lib/" + entry.getFileName();
    return file::equals;
  }

  /** The class path entry {@code type} is loaded from here. */
  private static Predicate<String> entryOf(Class<?> type) throws Exception {
    return isEntry(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()));
  }

  @Test
  void everyListedJarIsOneTheCliRunsWithUnderTheSameName() throws IOException {
    List<Predicate<String>> cliClassPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(p -> isEntry(Path.of(p)))
            .toList();
    List<String> listed = listedJars();
    assertThat(listed)
        .anyMatch(j -> j.startsWith("lib/vertx-core-"))
        .allMatch(j -> cliClassPath.stream().anyMatch(e -> e.test(j)), "a jar on cli's class path");
  }

  /**
   * Each module's list alone holds what both proxies use, whatever their mode: a dependency a
   * module also declares for its tests only takes that scope and drops out of its list (the
   * sidecar's test-scoped gRPC once did), which the other module's list would hide.
   */
  @Test
  void eachModulesListHoldsWhatBothProxiesUse() throws Exception {
    List<Class<?>> used =
        List.of(
            io.vertx.core.Vertx.class,
            io.vertx.grpc.client.GrpcClient.class, // --controller: the push stream
            com.google.protobuf.Message.class,
            io.fedmesh.api.v1.ProxyKind.class,
            io.fedmesh.proxy.push.ControlledProxy.class,
            io.fedmesh.trust.tls.MeshTls.class,
            io.netty.internal.tcnative.SSL.class,
            org.bouncycastle.jce.provider.BouncyCastleProvider.class,
            io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class,
            com.fasterxml.jackson.databind.ObjectMapper.class);
    Map<String, List<String>> lists = lists();
    assertThat(lists.keySet())
        .hasSize(2)
        .anyMatch(u -> u.contains("sidecar"))
        .anyMatch(u -> u.contains("east-west-gateway"));
    for (Map.Entry<String, List<String>> list : lists.entrySet()) {
      List<String> missing = new ArrayList<>();
      for (Class<?> type : used) {
        if (list.getValue().stream().noneMatch(entryOf(type))) {
          missing.add(type.getName());
        }
      }
      assertThat(missing).as("classes whose jar %s does not list", list.getKey()).isEmpty();
    }
  }

  @Test
  void theProxiesCarryNeitherTheControllersNorTheMirrorsJars() throws IOException {
    assertThat(listedJars())
        .noneMatch(j -> j.contains("hazelcast"))
        .noneMatch(j -> j.contains("kubernetes-"))
        .noneMatch(j -> j.contains("federation-controller"))
        .noneMatch(j -> j.contains("service-mirror"));
  }
}
