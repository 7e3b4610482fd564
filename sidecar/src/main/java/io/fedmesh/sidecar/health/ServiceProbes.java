package io.fedmesh.sidecar.health;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.proxy.routing.ActiveHealthChecker;
import io.fedmesh.sidecar.HttpRelay;
import io.fedmesh.sidecar.MeshClients;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The probes of one service's endpoints as one snapshot set them up: how to probe (an HTTP GET or a
 * TLS handshake, with the service's expected SPIFFE IDs), the {@link ActiveHealthChecker} the
 * results feed, the per-endpoint probes, and the service's meters. Replaced as a whole when the
 * service's health check, protocols or identities change; its endpoints follow each snapshot.
 */
final class ServiceProbes {
  private static final System.Logger LOG = System.getLogger(EndpointProber.class.getName());

  /** How the service's endpoints are probed. */
  enum Kind {
    /** An HTTP GET over mTLS that must answer 2xx. */
    HTTP,
    /** A TLS handshake (a service whose ports are all TCP). */
    TLS
  }

  final ServiceName name;
  final HealthCheck config;
  final Kind kind;
  final Set<SpiffeId> identities;
  final ActiveHealthChecker checker;

  /** The probes by endpoint id; read by the gauge on any thread. */
  final Map<String, EndpointProber.Probe> probes = new ConcurrentHashMap<>();

  private final String path;
  private final int port;
  private final HttpClient http;
  private final NetClient net;
  private final MeterRegistry registry;
  private final Counter passed;
  private final Counter failed;
  private final Gauge unhealthy;

  ServiceProbes(
      Vertx vertx, MeshTls tls, Service service, HealthCheck config, MeterRegistry registry) {
    this.name = service.name();
    this.config = config;
    this.kind = kindOf(service);
    this.identities = Set.copyOf(service.identities());
    this.path = config.path().isEmpty() ? AppHealth.PATH : config.path();
    this.port = service.ports().get(0).port();
    this.registry = registry;
    this.checker =
        new ActiveHealthChecker(
            config,
            (e, healthy) ->
                LOG.log(
                    Level.INFO,
                    "endpoint {0} ({1}) of {2} is {3} by active health checks",
                    e.id(),
                    e.address(),
                    name,
                    healthy ? "healthy again" : "unhealthy"));
    int timeout = (int) config.timeout().toMillis();
    if (kind == Kind.TLS) {
      this.http = null;
      this.net =
          vertx.createNetClient(
              tls.configureClient(
                  new NetClientOptions().setConnectTimeout(timeout), identities::contains));
    } else {
      this.net = null;
      this.http =
          vertx.createHttpClient(
              MeshClients.upstream(tls, identities).setConnectTimeout(timeout),
              new PoolOptions().setHttp1MaxSize(1).setHttp2MaxSize(1));
    }
    String tag = name.toString();
    this.passed =
        Counter.builder(EndpointProber.PROBES_METER)
            .tag("destination_service", tag)
            .tag("result", "pass")
            .register(registry);
    this.failed =
        Counter.builder(EndpointProber.PROBES_METER)
            .tag("destination_service", tag)
            .tag("result", "fail")
            .register(registry);
    this.unhealthy =
        Gauge.builder(EndpointProber.UNHEALTHY_METER, this, ServiceProbes::unhealthyCount)
            .tag("destination_service", tag)
            .register(registry);
  }

  /** TLS when every port is TCP; HTTP otherwise. */
  static Kind kindOf(Service service) {
    for (ServicePort p : service.ports()) {
      if (p.protocol() != Protocol.TCP) {
        return Kind.HTTP;
      }
    }
    return Kind.TLS;
  }

  /** Whether {@code service} with {@code config} is probed exactly as this is. */
  boolean probesLike(Service service, HealthCheck config) {
    return this.config.equals(config)
        && kind == kindOf(service)
        && identities.equals(Set.copyOf(service.identities()))
        && port == service.ports().get(0).port();
  }

  /** Probes {@code e} once: succeeds when it passes, fails with why not. Bounded by the timeout. */
  Future<Void> probe(Endpoint e) {
    long timeout = config.timeout().toMillis();
    SocketAddress address = SocketAddress.inetSocketAddress(e.port(), e.host());
    Future<Void> f;
    if (kind == Kind.TLS) {
      // Where the outbound's raw TCP goes (TcpOutbound): a local endpoint's TCP inbound port, a
      // remote one's gateway, with the SNI naming the service's TCP port.
      int tcp = e.isRemote() || e.tcpPort() == 0 ? e.port() : e.tcpPort();
      ConnectOptions co =
          new ConnectOptions()
              .setRemoteAddress(SocketAddress.inetSocketAddress(tcp, e.host()))
              .setSniServerName(new SniName(name, port, e.locality().cluster()).toString())
              .setSsl(true)
              .setTimeout((int) timeout);
      f = net.connect(co).compose(NetSocket::close);
    } else {
      RequestOptions ro =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setServer(address)
              .setHost(e.sni().orElse(e.host()))
              .setPort(e.port())
              .setURI(path)
              .setConnectTimeout(timeout)
              .setTimeout(timeout);
      String authority =
          name.name()
              + "."
              + name.namespace()
              + (e.isRemote() ? ".svc.clusterset.local" : ".svc.cluster.local");
      f =
          http.request(ro)
              .compose(
                  req -> {
                    req.authority(HostAndPort.create(authority, port));
                    req.putHeader("user-agent", EndpointProber.USER_AGENT);
                    return req.send();
                  })
              .compose(
                  resp ->
                      resp.body()
                          .compose(
                              body ->
                                  resp.statusCode() / 100 == 2
                                      ? Future.<Void>succeededFuture()
                                      : Future.failedFuture(
                                          new IllegalStateException(
                                              "GET " + path + ": status " + resp.statusCode()))));
    }
    return f.timeout(timeout, TimeUnit.MILLISECONDS);
  }

  /** Records one probe of {@code e}. */
  void record(Endpoint e, boolean pass, Throwable cause) {
    (pass ? passed : failed).increment();
    if (!pass && LOG.isLoggable(Level.DEBUG)) {
      LOG.log(
          Level.DEBUG,
          "probe of {0} ({1}) failed: {2}",
          e.id(),
          e.address(),
          cause == null ? "-" : HttpRelay.describe(cause));
    }
    checker.onProbeResult(e, pass);
  }

  /** Endpoints now failing their active checks. */
  int unhealthyCount() {
    int n = 0;
    for (EndpointProber.Probe p : probes.values()) {
      if (!checker.isHealthy(p.endpoint)) {
        n++;
      }
    }
    return n;
  }

  /** Closes the client and removes the gauge; the caller cancels the probes. */
  Future<Void> close() {
    registry.remove(unhealthy);
    return kind == Kind.TLS ? net.close() : http.close();
  }
}
