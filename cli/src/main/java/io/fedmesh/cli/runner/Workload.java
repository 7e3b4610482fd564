package io.fedmesh.cli.runner;

import io.fedmesh.proxy.config.Topology;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.push.PushState;
import io.fedmesh.sidecar.admin.SidecarAdmin;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.metrics.RequestMeters;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.function.Supplier;

/** One demo replica and its sidecar (inbound, outbound, admin), as a pod would run them. */
record Workload(
    DemoApps.Placement placement,
    Topology.Service spec,
    HttpServer app,
    InboundProxy inbound,
    int inboundPort,
    OutboundProxy outbound,
    int outboundPort,
    SidecarAdmin admin,
    int adminPort) {

  String zone() {
    return placement.zone();
  }

  static Future<Workload> start(
      Vertx vertx,
      DemoApps.Placement placement,
      Topology.Service spec,
      MeshTls tls,
      Supplier<ProxySnapshot> config) {
    String host = ClusterProcess.HOST;
    boolean grpc = spec.kind() == Topology.Kind.GRPC_ECHO;
    Future<HttpServer> app =
        grpc
            ? DemoApps.grpcEcho(vertx, placement, host, 0)
            : DemoApps.httpEcho(vertx, placement, host, 0);
    // Duration buckets carry trace ids as exemplars (OpenMetrics scrape).
    PrometheusMeterRegistry registry = RequestMeters.prometheusRegistry();
    return app.compose(
        server -> {
          InboundProxy inbound =
              InboundProxy.builder(vertx, tls, server.actualPort())
                  .listen(host, 0)
                  .appHttp2(grpc)
                  .policy(() -> config.get().inbound())
                  .locality(() -> config.get() == null ? null : config.get().locality())
                  .meterRegistry(registry)
                  .build();
          OutboundProxy outbound =
              OutboundProxy.builder(vertx, tls, config)
                  .listen(host, 0)
                  .meterRegistry(registry)
                  .build();
          SidecarAdmin admin =
              SidecarAdmin.builder(vertx, config, outbound, registry, () -> true)
                  .listen(host, 0)
                  .build();
          return inbound
              .start()
              .compose(
                  in ->
                      outbound
                          .start()
                          .compose(
                              out ->
                                  admin
                                      .start()
                                      .map(
                                          adm ->
                                              new Workload(
                                                  placement, spec, server, inbound, in, outbound,
                                                  out, admin, adm))));
        });
  }

  ClusterStatus.Workload describe(PushState push) {
    String h = ClusterProcess.HOST + ":";
    return new ClusterStatus.Workload(
        placement.pod(),
        spec.namespace(),
        spec.name(),
        spec.kind().text(),
        placement.zone(),
        h + app.actualPort(),
        h + inboundPort,
        h + outboundPort,
        h + adminPort,
        push);
  }

  /** Stops listening: inbound first, so the pod leaves as a terminating pod does. */
  Future<Void> close() {
    return inbound
        .close()
        .eventually(outbound::close)
        .eventually(admin::close)
        .eventually(() -> app.close());
  }
}
