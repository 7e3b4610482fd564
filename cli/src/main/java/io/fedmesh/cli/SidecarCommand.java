package io.fedmesh.cli;

import io.fedmesh.proxy.config.ProxyConfigWatcher;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.sidecar.admin.SidecarAdmin;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
      "locality-first over mTLS. The config file is re-read when it changes; a bad edit is",
      "reported and the last good config stays."
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
      names = "--admin",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:15000",
      description =
          "Admin listener: /ready /live /metrics /config /clusters (default: ${DEFAULT-VALUE}).")
  String admin;

  /** A running sidecar; closing it stops everything. */
  record Running(
      Vertx vertx,
      int inboundPort,
      int outboundPort,
      int adminPort,
      AutoCloseable configSource,
      ScheduledExecutorService scheduler)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      configSource.close();
      scheduler.shutdownNow();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  Running start() throws Exception {
    HostPort in = HostPort.parse("--inbound", inbound);
    HostPort out = HostPort.parse("--outbound", outbound);
    HostPort adm = HostPort.parse("--admin", admin);
    if (appPort < 1 || appPort > 65535) {
      throw new UsageException("--app-port: " + appPort + " (expected: 1..65535)");
    }
    boolean pushed = controller.given();
    if (pushed == (config != null || svidDir != null)) {
      throw new UsageException(
          "give either --config and --svid (static files) or --controller, --bootstrap,"
              + " --join-token, --spiffe-id, --ca-bundle, --cluster, --region, --zone (push)");
    }
    AtomicReference<ProxySnapshot> snapshot = new AtomicReference<>();
    PrintWriter err = spec.commandLine().getErr();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Vertx vertx = Vertx.vertx();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AutoCloseable configSource = null;
    try {
      MeshTls tls;
      java.util.function.Supplier<io.fedmesh.proxy.push.PushState> pushState = null;
      if (pushed) {
        ControllerOptions.Pushed p =
            controller.start(
                vertx,
                io.fedmesh.api.v1.ProxyKind.PROXY_KIND_SIDECAR,
                scheduler,
                registry,
                snapshot::set);
        configSource = p;
        snapshot.compareAndSet(null, p.first());
        tls = p.tls();
        pushState = p.client()::state;
      } else {
        if (config == null || svidDir == null) {
          throw new UsageException("--config and --svid go together");
        }
        WorkloadIdentity identity = WorkloadIdentity.load(svidDir, trustBundles);
        configSource =
            ProxyConfigWatcher.builder(config)
                .onError(e -> err.println("fedmesh: config not applied: " + e.getMessage()))
                .start(scheduler, snapshot::set);
        tls = MeshTls.builder(identity.svid(), identity.bundles()).meterRegistry(registry).build();
      }
      int inboundPort =
          await(
              InboundProxy.builder(vertx, tls, appPort)
                  .listen(in.host(), in.port())
                  .appHttp2(appHttp2)
                  .policy(() -> snapshot.get().inbound())
                  .meterRegistry(registry)
                  .build()
                  .start());
      OutboundProxy outboundProxy =
          OutboundProxy.builder(vertx, tls, snapshot::get)
              .listen(out.host(), out.port())
              .meterRegistry(registry)
              .build();
      int outboundPort = await(outboundProxy.start());
      SidecarAdmin.Builder admin =
          SidecarAdmin.builder(vertx, snapshot::get, outboundProxy, registry, () -> true)
              .listen(adm.host(), adm.port());
      if (pushState != null) {
        admin.pushState(pushState);
      }
      int adminPort = await(admin.build().start());
      return new Running(vertx, inboundPort, outboundPort, adminPort, configSource, scheduler);
    } catch (Exception e) {
      if (configSource != null) {
        configSource.close();
      }
      scheduler.shutdownNow();
      vertx.close();
      throw e;
    }
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
            + " admin %s:%d%n",
        HostPort.parse("--inbound", inbound).host(),
        running.inboundPort(),
        HostPort.parse("--outbound", outbound).host(),
        running.outboundPort(),
        appPort,
        HostPort.parse("--admin", admin).host(),
        running.adminPort());
    out.flush();
    RunUntilInterrupted.run(running);
    return Fedmesh.EXIT_OK;
  }
}
