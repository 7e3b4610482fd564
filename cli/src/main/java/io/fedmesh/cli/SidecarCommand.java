package io.fedmesh.cli;

import io.fedmesh.proxy.config.ProxyConfigWatcher;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.sidecar.admin.SidecarAdmin;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.inbound.TcpInbound;
import io.fedmesh.sidecar.metrics.RequestMeters;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.sidecar.outbound.TcpOutbound;
import io.fedmesh.sidecar.tracing.SidecarTracing;
import io.fedmesh.sidecar.tracing.TracingOptions;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh sidecar}: runs a sidecar from a static proxy config until interrupted. */
@Command(
    name = "sidecar",
    header = "Run a sidecar from a static proxy config file (until Ctrl-C).",
    description = {
      "Inbound: mTLS from other sidecars and gateways, authorized by SPIFFE ID, to the app.",
      "Outbound: the app's plain HTTP to <svc>.<ns>.svc.cluster.local / .clusterset.local,",
      "locality-first over mTLS. Raw TCP: one listener per 'protocol: tcp' service port of the",
      "config, on the --outbound host at the service's port number (move one with --tcp-listen);",
      "inbound TCP (--tcp-inbound) serves the service ports given with --tcp-app-port.",
      "The config file is re-read when it changes; a bad edit is reported and the last good",
      "config stays. Or, with --controller ..., the SVID comes by join token from the",
      "controller's CA and the config by its push."
    },
    sortOptions = false)
final class SidecarCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "ProxyConfig YAML (or get config by push: --controller ...).")
  Path config;

  @Option(
      names = "--svid",
      paramLabel = "DIR",
      description = "Directory with svid.crt, svid.key, bundle.json (from 'fedmesh ca issue').")
  Path svidDir;

  @Mixin ControllerOptions controller = new ControllerOptions();

  @Option(
      names = "--trust-bundle",
      paramLabel = "DOMAIN=FILE",
      description = "A federated trust domain's bundle; repeat for each linked cluster.")
  List<String> trustBundles = new ArrayList<>();

  @Option(
      names = "--app-port",
      required = true,
      paramLabel = "PORT",
      description = "The app's port on 127.0.0.1.")
  int appPort;

  @Option(names = "--app-http2", description = "The app speaks h2c (e.g. a gRPC server).")
  boolean appHttp2;

  @Option(
      names = "--upgrade-http1",
      description =
          "Send the app's HTTP/1.x requests upstream as HTTP/2 streams on a few multiplexed"
              + " connections, as Linkerd does: more throughput under load, fewer connections"
              + " through the gateways. Default: HTTP/1.1 on kept-alive connections (Istio's"
              + " default), less CPU per request at low rates. HTTP/2 and gRPC always go as"
              + " HTTP/2.")
  boolean upgradeHttp1;

  @Option(
      names = "--inbound",
      paramLabel = "HOST:PORT",
      defaultValue = "0.0.0.0:15006",
      description = "mTLS inbound listener (default: ${DEFAULT-VALUE}).")
  String inbound;

  @Option(
      names = "--outbound",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:15001",
      description = "Plain outbound listener for the app (default: ${DEFAULT-VALUE}).")
  String outbound;

  @Option(
      names = "--tcp-inbound",
      paramLabel = "HOST:PORT",
      defaultValue = "0.0.0.0:15008",
      description =
          "mTLS inbound listener for raw TCP, the endpoints' tcpPort; started when --tcp-app-port"
              + " is given (default: ${DEFAULT-VALUE}).")
  String tcpInbound;

  @Option(
      names = "--tcp-app-port",
      paramLabel = "SERVICE_PORT[=APP_PORT]",
      description =
          "Serve TCP service port SERVICE_PORT by connecting to the app's APP_PORT on 127.0.0.1"
              + " (default: the same number); repeat per port. Other ports are refused.")
  List<String> tcpAppPorts = new ArrayList<>();

  @Option(
      names = "--tcp-listen",
      paramLabel = "SVC.NS:PORT=LOCAL_PORT",
      description =
          "Listen for service SVC in namespace NS, TCP port PORT, on LOCAL_PORT of the outbound"
              + " host instead of PORT (0: any free port); repeat per port.")
  List<String> tcpListen = new ArrayList<>();

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:15000",
      description =
          "Admin listener: /ready /live /metrics /config /clusters (default: ${DEFAULT-VALUE}).")
  String admin;

  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      description = {
        "Export spans by OTLP/HTTP-protobuf to this receiver, e.g. http://localhost:4318",
        "(Jaeger, OpenTelemetry Collector); /v1/traces is added to a URL without a path.",
        "Default: no export (traces are still continued and passed on)."
      })
  String otlpEndpoint;

  @Option(
      names = "--trace-sample-ratio",
      paramLabel = "RATIO",
      defaultValue = "1.0",
      description =
          "Share of new traces sampled, 0..1; a caller's sampling decision is always followed"
              + " (default: ${DEFAULT-VALUE}).")
  double traceSampleRatio;

  @Option(
      names = "--trace-propagation",
      paramLabel = "FORMAT",
      split = ",",
      defaultValue = "tracecontext,b3multi",
      description =
          "Trace header formats written upstream and to the app: tracecontext, b3, b3multi"
              + " (default: ${DEFAULT-VALUE}); all are read.")
  List<String> tracePropagation = new ArrayList<>();

  /** A running sidecar; closing it stops everything. */
  record Running(
      Vertx vertx,
      int inboundPort,
      int outboundPort,
      int tcpInboundPort,
      int adminPort,
      AutoCloseable configSource,
      ScheduledExecutorService scheduler,
      SidecarTracing tracing)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      configSource.close();
      scheduler.shutdownNow();
      try {
        // Sends the spans still queued, bounded like one export.
        tracing
            .close()
            .toCompletionStage()
            .toCompletableFuture()
            .get(TracingOptions.DEFAULT_EXPORT_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The tracing options from the command line; a bad value is a usage error naming the option. */
  TracingOptions tracingOptions() {
    TracingOptions.Builder b = TracingOptions.builder();
    try {
      if (otlpEndpoint != null) {
        b.otlpEndpoint(otlpEndpoint);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("--otlp-endpoint: " + e.getMessage().replaceFirst("^\\w+: ", ""));
    }
    try {
      b.sampleRatio(traceSampleRatio);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--trace-sample-ratio: " + e.getMessage().replaceFirst("^\\w+: ", ""));
    }
    try {
      Set<TracingOptions.Propagation> formats = EnumSet.noneOf(TracingOptions.Propagation.class);
      for (String f : tracePropagation) {
        formats.add(TracingOptions.Propagation.parse(f));
      }
      b.propagation(formats);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--trace-propagation: " + e.getMessage().replaceFirst("^\\w+: ", ""));
    }
    return b.build();
  }

  Running start() throws Exception {
    HostPort in = HostPort.parse("--inbound", inbound);
    HostPort out = HostPort.parse("--outbound", outbound);
    HostPort adm = HostPort.parse("--admin", admin);
    HostPort tcpIn = HostPort.parse("--tcp-inbound", tcpInbound);
    Map<Integer, Integer> appPorts = new TreeMap<>();
    for (String v : tcpAppPorts) {
      String[] parts = v.split("=", 2);
      int servicePort = port("--tcp-app-port", v, parts[0]);
      appPorts.put(
          servicePort, parts.length == 1 ? servicePort : port("--tcp-app-port", v, parts[1]));
    }
    Map<ServiceName, Map<Integer, Integer>> listenPorts = new HashMap<>();
    for (String v : tcpListen) {
      int eq = v.indexOf('=');
      int colon = v.lastIndexOf(':', eq < 0 ? v.length() : eq);
      int dot = v.indexOf('.');
      if (eq < 0 || colon < 0 || dot < 0 || dot > colon) {
        throw new UsageException(
            "--tcp-listen: '"
                + v
                + "' (expected: SVC.NS:PORT=LOCAL_PORT, e.g. db.shop:5432=15432)");
      }
      ServiceName name;
      try {
        name = new ServiceName(v.substring(0, dot), v.substring(dot + 1, colon));
      } catch (RuntimeException e) {
        throw new UsageException("--tcp-listen: '" + v + "': " + e.getMessage());
      }
      int local = port("--tcp-listen", v, v.substring(eq + 1), 0);
      listenPorts
          .computeIfAbsent(name, n -> new TreeMap<>())
          .put(port("--tcp-listen", v, v.substring(colon + 1, eq)), local);
    }
    if (appPort < 1 || appPort > 65535) {
      throw new UsageException("--app-port: " + appPort + " (expected: 1..65535)");
    }
    TracingOptions tracingOptions = tracingOptions();
    boolean pushed = controller.given();
    if (pushed == (config != null || svidDir != null)) {
      throw new UsageException(
          "give either --config and --svid (static files) or --controller, --bootstrap,"
              + " --join-token, --spiffe-id, --ca-bundle, --cluster, --region, --zone (push)");
    }
    AtomicReference<ProxySnapshot> snapshot = new AtomicReference<>();
    AtomicReference<TcpOutbound> tcpOut = new AtomicReference<>();
    PrintWriter err = spec.commandLine().getErr();
    java.util.function.Consumer<ProxySnapshot> apply =
        s -> {
          snapshot.set(s);
          TcpOutbound t = tcpOut.get();
          if (t != null) {
            t.update(s).onFailure(e -> err.println("fedmesh: TCP listeners: " + e.getMessage()));
          }
        };
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Vertx vertx = ProxyVertx.create(err);
    PrometheusMeterRegistry registry = RequestMeters.prometheusRegistry();
    AutoCloseable configSource = null;
    SidecarTracing tracing = null;
    try {
      MeshTls tls;
      java.util.function.Supplier<io.fedmesh.proxy.push.PushState> pushState = null;
      if (pushed) {
        io.fedmesh.proxy.push.ControlledProxy p =
            controller.start(
                vertx, io.fedmesh.api.v1.ProxyKind.PROXY_KIND_SIDECAR, scheduler, registry, apply);
        configSource = p;
        snapshot.compareAndSet(null, p.first());
        tls = p.tls();
        pushState = p.push()::state;
      } else {
        if (config == null || svidDir == null) {
          throw new UsageException("--config and --svid go together");
        }
        WorkloadIdentity identity = WorkloadIdentity.load(svidDir, trustBundles);
        configSource =
            ProxyConfigWatcher.builder(config)
                .onError(e -> err.println("fedmesh: config not applied: " + e.getMessage()))
                .start(scheduler, apply);
        tls = MeshTls.builder(identity.svid(), identity.bundles()).meterRegistry(registry).build();
      }
      tracing =
          SidecarTracing.create(
              tracingOptions,
              tls.currentSvid().id(),
              () -> snapshot.get() == null ? null : snapshot.get().locality());
      int inboundPort =
          await(
              InboundProxy.builder(vertx, tls, appPort)
                  .listen(in.host(), in.port())
                  .appHttp2(appHttp2)
                  .policy(() -> snapshot.get().inbound())
                  .locality(() -> snapshot.get() == null ? null : snapshot.get().locality())
                  .meterRegistry(registry)
                  .tracing(tracing)
                  .build()
                  .start());
      OutboundProxy outboundProxy =
          OutboundProxy.builder(vertx, tls, snapshot::get)
              .listen(out.host(), out.port())
              .meterRegistry(registry)
              .tracing(tracing)
              .upgradeHttp1ToHttp2(upgradeHttp1)
              .build();
      int outboundPort = await(outboundProxy.start());
      TcpOutbound.Builder tcpBuilder =
          TcpOutbound.builder(vertx, tls)
              .listenHost(out.host())
              .meterRegistry(registry)
              .prober(outboundProxy.prober());
      listenPorts.forEach(
          (name, ports) -> ports.forEach((p, l) -> tcpBuilder.listenPort(name, p, l)));
      TcpOutbound tcp = tcpBuilder.build();
      tcpOut.set(tcp);
      await(tcp.update(snapshot.get()));
      int tcpInboundPort = -1;
      if (!appPorts.isEmpty()) {
        TcpInbound.Builder b =
            TcpInbound.builder(vertx, tls)
                .listen(tcpIn.host(), tcpIn.port())
                .policy(() -> snapshot.get().inbound())
                .meterRegistry(registry);
        appPorts.forEach(b::appPort);
        tcpInboundPort = await(b.build().start());
      }
      SidecarAdmin.Builder adminBuilder =
          SidecarAdmin.builder(vertx, snapshot::get, outboundProxy, registry, () -> true)
              .listen(adm.host(), adm.port());
      if (pushState != null) {
        adminBuilder.pushState(pushState);
      }
      int adminPort = await(adminBuilder.build().start());
      return new Running(
          vertx,
          inboundPort,
          outboundPort,
          tcpInboundPort,
          adminPort,
          configSource,
          scheduler,
          tracing);
    } catch (Exception e) {
      if (configSource != null) {
        configSource.close();
      }
      scheduler.shutdownNow();
      if (tracing != null) {
        tracing.close();
      }
      vertx.close();
      throw e;
    }
  }

  private static int port(String option, String value, String text) {
    return port(option, value, text, 1);
  }

  private static int port(String option, String value, String text, int min) {
    int p;
    try {
      p = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < min || p > 65535) {
      throw new UsageException(
          option + ": '" + value + "': port '" + text + "' (expected: " + min + "..65535)");
    }
    return p;
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      throw new UsageException("cannot start: " + (c == null ? e : c).getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    Running running = start();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        java.util.Locale.ROOT,
        "sidecar up: inbound %s:%d (mTLS), outbound %s:%d (app's proxy), app 127.0.0.1:%d,"
            + " admin %s:%d%s%n",
        HostPort.parse("--inbound", inbound).host(),
        running.inboundPort(),
        HostPort.parse("--outbound", outbound).host(),
        running.outboundPort(),
        appPort,
        HostPort.parse("--admin", admin).host(),
        running.adminPort(),
        (running.tcpInboundPort() < 0
                ? ""
                : ", TCP inbound "
                    + HostPort.parse("--tcp-inbound", tcpInbound).host()
                    + ":"
                    + running.tcpInboundPort()
                    + " (mTLS)")
            + tracingOptions().otlpEndpoint().map(u -> ", spans to " + u).orElse(""));
    out.flush();
    RunUntilInterrupted.run(running);
    return Fedmesh.EXIT_OK;
  }
}
