package io.fedmesh.cli;

import io.fedmesh.sidecar.inbound.InboundProxy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh demo-app}: an HTTP echo that says who served the request and who called. */
@Command(
    name = "demo-app",
    header = "Run a demo HTTP app that answers with its name and the caller's SPIFFE ID.",
    sortOptions = false)
final class DemoAppCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "Reported in each answer, e.g. us-west/zone-a/reviews-1.")
  String name;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8080",
      description = "Listener (default: ${DEFAULT-VALUE}).")
  String listen;

  /** A running demo app. */
  record Running(Vertx vertx, int port) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  Running start() throws Exception {
    HostPort l = HostPort.parse("--listen", listen);
    Vertx vertx = Vertx.vertx();
    HttpServer server =
        vertx
            .createHttpServer(new HttpServerOptions())
            .requestHandler(
                req -> {
                  String caller = req.getHeader(InboundProxy.PEER_IDENTITY_HEADER);
                  req.response()
                      .putHeader("content-type", "text/plain; charset=utf-8")
                      .end(
                          "served-by="
                              + name
                              + " path="
                              + req.path()
                              + " caller="
                              + (caller == null ? "-" : caller)
                              + "\n");
                });
    try {
      return new Running(
          vertx, SidecarCommand.await(server.listen(l.port(), l.host())).actualPort());
    } catch (Exception e) {
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
        "demo app %s on %s:%d%n",
        name,
        HostPort.parse("--listen", listen).host(),
        running.port());
    out.flush();
    RunUntilInterrupted.run(running);
    return Fedmesh.EXIT_OK;
  }
}
