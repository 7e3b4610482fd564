package io.fedmesh.cli;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.config.ProxyConfigWatcher;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code fedmesh gateway}: runs an east-west gateway from a static proxy config. */
@Command(
    name = "gateway",
    header = "Run an east-west gateway from a static proxy config file (until Ctrl-C).",
    description = {
      "Routes linked clusters' mTLS by SNI (<svc>.<ns>.<port>.<cluster>.fedmesh) to this",
      "cluster's exported services without terminating TLS. Admin: /ready /live /metrics."
    },
    sortOptions = false)
final class GatewayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "ProxyConfig YAML of this cluster (or get config by push: --controller ...).")
  Path config;

  @Mixin ControllerOptions controller = new ControllerOptions();

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "0.0.0.0:15443",
      description = "Gateway listener (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:15021",
      description = "Admin listener (default: ${DEFAULT-VALUE}).")
  String admin;

  /** A running gateway. */
  record Running(
      Vertx vertx,
      EastWestGateway gateway,
      AutoCloseable configSource,
      ScheduledExecutorService scheduler)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      configSource.close();
      scheduler.shutdownNow();
      gateway
          .shutdown(java.time.Duration.ofSeconds(5))
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  Running start() throws Exception {
    HostPort l = HostPort.parse("--listen", listen);
    HostPort a = HostPort.parse("--admin", admin);
    if (controller.given() == (config != null)) {
      throw new UsageException(
          "give either --config (a static file) or --controller, --bootstrap, --join-token,"
              + " --spiffe-id, --ca-bundle, --cluster, --region, --zone (push)");
    }
    PrintWriter err = spec.commandLine().getErr();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    AtomicReference<EastWestGateway> gateway = new AtomicReference<>();
    java.util.function.Consumer<ProxySnapshot> apply =
        s -> {
          EastWestGateway g = gateway.get();
          if (g != null) {
            g.update(s);
          }
        };
    Vertx vertx = ProxyVertx.create(err);
    AutoCloseable configSource = null;
    try {
      ProxySnapshot first;
      if (config != null) {
        ProxyConfigWatcher watcher =
            ProxyConfigWatcher.builder(config)
                .onError(e -> err.println("fedmesh: config not applied: " + e.getMessage()))
                .start(scheduler, apply);
        configSource = watcher;
        first = watcher.current();
      } else {
        io.fedmesh.proxy.push.ControlledProxy p =
            controller.start(
                vertx,
                io.fedmesh.api.v1.ProxyKind.PROXY_KIND_GATEWAY,
                scheduler,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                apply);
        configSource = p;
        first = p.push().snapshot();
      }
      EastWestGateway g =
          SidecarCommand.await(
              EastWestGateway.builder(first)
                  .host(l.host())
                  .port(l.port())
                  .adminHost(a.host())
                  .adminPort(a.port())
                  .build()
                  .start(vertx));
      gateway.set(g);
      // A push that landed between the first snapshot and the gateway's start.
      if (configSource instanceof io.fedmesh.proxy.push.ControlledProxy p
          && p.push().snapshot() != first) {
        g.update(p.push().snapshot());
      }
      return new Running(vertx, g, configSource, scheduler);
    } catch (Exception e) {
      if (configSource != null) {
        configSource.close();
      }
      scheduler.shutdownNow();
      vertx.close();
      throw e;
    }
  }

  @Override
  public Integer call() throws Exception {
    Running running = start();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        java.util.Locale.ROOT,
        "gateway up for cluster %s: listening %s:%d, admin %s:%d, %d routes%n",
        running.gateway().snapshot().cluster(),
        HostPort.parse("--listen", listen).host(),
        running.gateway().port(),
        HostPort.parse("--admin", admin).host(),
        running.gateway().adminPort(),
        running.gateway().routes());
    out.flush();
    RunUntilInterrupted.run(running);
    return Fedmesh.EXIT_OK;
  }
}
