package io.fedmesh.gateway;

import io.fedmesh.gateway.sni.ClientHelloParser;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.ModelException;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.proxy.net.Splice;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One downstream connection, from accept to close. Every method runs on the connection's event
 * loop: reading the ClientHello, routing, connecting, then splicing bytes both ways with
 * back-pressure. Reads come as Netty buffers ({@link NetSocketInternal#messageHandler}): the
 * ClientHello and what follows it before the splice are copied once into {@code hello}, and from
 * then on every buffer goes to the other socket as it is ({@link Splice#startZeroCopy}).
 */
final class GatewayConnection {
  private enum State {
    HELLO,
    CONNECTING,
    SPLICING,
    CLOSED
  }

  private final EastWestGateway gateway;
  private final NetSocketInternal downstream;
  private final Buffer hello = Buffer.buffer(512);
  private final Set<String> tried = new HashSet<>(2);
  private State state = State.HELLO;
  private int needed = 1;
  private boolean tcp;
  private int attempts;
  private long helloTimer = -1;
  private NetSocket upstream;

  GatewayConnection(EastWestGateway gateway, NetSocket downstream) {
    this.gateway = gateway;
    this.downstream = (NetSocketInternal) downstream; // every Vert.x server socket is one
  }

  void start() {
    downstream.closeHandler(v -> onDownstreamClosed());
    downstream.exceptionHandler(t -> downstream.close());
    // Keep the connection during a drain; the server closes it when the drain bound is reached.
    downstream.shutdownHandler(v -> {});
    downstream.messageHandler(this::onRead);
    helloTimer =
        gateway.vertx().setTimer(gateway.clientHelloTimeoutMillis(), id -> onHelloTimeout());
  }

  private void onHelloTimeout() {
    helloTimer = -1;
    if (state == State.HELLO) {
      reject(RejectReason.HELLO_TIMEOUT, GatewayMetrics.NO_SERVICE);
    }
  }

  /** A read before the splice: kept in {@code hello} while reading it or connecting. */
  private void onRead(Object msg) {
    try {
      if (msg instanceof ByteBuf buf && (state == State.HELLO || state == State.CONNECTING)) {
        // While connecting the socket is paused; what the read in progress still brings is kept.
        hello.appendBytes(ByteBufUtil.getBytes(buf));
        if (state == State.HELLO) {
          onHelloBytes();
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onHelloBytes() {
    if (hello.length() < needed) {
      return;
    }
    int max = gateway.maxClientHelloBytes();
    ClientHelloParser.Result r = ClientHelloParser.parse(hello.getBytes(), hello.length(), max);
    switch (r.status()) {
      case NEED_MORE -> needed = r.needed();
      case NOT_TLS -> reject(RejectReason.NOT_TLS, GatewayMetrics.NO_SERVICE);
      case MALFORMED -> reject(RejectReason.MALFORMED_HELLO, GatewayMetrics.NO_SERVICE);
      case MALFORMED_SNI -> reject(RejectReason.MALFORMED_SNI, GatewayMetrics.NO_SERVICE);
      case TOO_LARGE -> reject(RejectReason.HELLO_TOO_LARGE, GatewayMetrics.NO_SERVICE);
      case CLIENT_HELLO -> route(r.serverName());
    }
  }

  private void route(Optional<String> serverName) {
    cancelHelloTimer();
    if (serverName.isEmpty()) {
      reject(RejectReason.NO_SNI, GatewayMetrics.NO_SERVICE);
      return;
    }
    SniName sni;
    try {
      // Host names compare case-insensitively (RFC 6066 §3, RFC 4343).
      sni = SniName.parse(serverName.get().toLowerCase(Locale.ROOT));
    } catch (ModelException e) {
      reject(RejectReason.MALFORMED_SNI, GatewayMetrics.NO_SERVICE);
      return;
    }
    ProxySnapshot snapshot = gateway.snapshot();
    if (!sni.cluster().equals(snapshot.cluster())) {
      reject(RejectReason.WRONG_CLUSTER, GatewayMetrics.NO_SERVICE);
      return;
    }
    Optional<Service> found = snapshot.service(sni.service());
    if (found.isEmpty()) {
      reject(RejectReason.UNKNOWN_SERVICE, GatewayMetrics.NO_SERVICE);
      return;
    }
    Service service = found.get();
    String tag = service.name().toString();
    if (!service.exported()) {
      // Same alert as an unknown service: a caller cannot tell unexported from absent.
      reject(RejectReason.NOT_EXPORTED, tag);
      return;
    }
    Optional<ServicePort> port = service.port(sni.port());
    if (port.isEmpty()) {
      reject(RejectReason.UNKNOWN_SERVICE, tag);
      return;
    }
    tcp = port.get().protocol() == Protocol.TCP;
    if (tcp) {
      // A raw TCP port goes to the endpoint's inbound TCP listener; one without it cannot serve.
      for (Endpoint e : service.endpoints()) {
        if (!e.takesTcp()) {
          tried.add(e.id());
        }
      }
    }
    state = State.CONNECTING;
    downstream.pause();
    connect(service, snapshot, tag, false);
  }

  private void connect(Service service, ProxySnapshot snapshot, String tag, boolean retry) {
    Optional<Endpoint> picked =
        gateway.endpointPicker().pick(service, snapshot.locality(), Set.copyOf(tried));
    if (picked.isEmpty()) {
      reject(retry ? RejectReason.CONNECT_FAILED : RejectReason.NO_ENDPOINT, tag);
      return;
    }
    Endpoint endpoint = picked.get();
    tried.add(endpoint.id());
    gateway
        .upstreamClient()
        .connect(tcp ? endpoint.tcpPort() : endpoint.port(), endpoint.host())
        .onComplete(
            ar -> {
              if (state != State.CONNECTING) {
                if (ar.succeeded()) {
                  ar.result().close(); // the client left while we were connecting
                }
                return;
              }
              if (ar.failed()) {
                if (++attempts < gateway.connectAttempts()) {
                  connect(service, snapshot, tag, true);
                } else {
                  reject(RejectReason.CONNECT_FAILED, tag);
                }
                return;
              }
              splice(ar.result(), tag);
            });
  }

  private void splice(NetSocket up, String tag) {
    upstream = up;
    state = State.SPLICING;
    gateway.metrics().routed(tag);
    Counter in = gateway.metrics().bytes("in", tag);
    Counter out = gateway.metrics().bytes("out", tag);
    up.closeHandler(v -> downstream.close());
    up.exceptionHandler(t -> up.close());
    // Everything buffered so far, the ClientHello and anything the client sent after it.
    in.increment(hello.length());
    up.write(hello);
    // A half-close (FIN one way, e.g. a sidecar passing on its app's) is carried across.
    Splice.allowHalfClose(downstream);
    Splice.allowHalfClose(up);
    Splice.startZeroCopy(downstream, (NetSocketInternal) up, in::increment, out::increment);
  }

  private void reject(RejectReason reason, String serviceTag) {
    if (state == State.CLOSED) {
      return;
    }
    cancelHelloTimer();
    gateway.metrics().rejected(reason, serviceTag);
    state = State.CLOSED;
    int alert = reason.alertDescription();
    if (alert >= 0) {
      downstream.write(alert(alert)).onComplete(ar -> downstream.close());
    } else {
      downstream.close();
    }
  }

  /** A fatal TLS alert record, plaintext as every alert before the ServerHello is. */
  static Buffer alert(int description) {
    return Buffer.buffer(new byte[] {21, 3, 3, 0, 2, 2, (byte) description});
  }

  private void onDownstreamClosed() {
    cancelHelloTimer();
    state = State.CLOSED;
    gateway.connectionClosed(this);
    if (upstream != null) {
      upstream.close();
    }
  }

  private void cancelHelloTimer() {
    if (helloTimer >= 0) {
      gateway.vertx().cancelTimer(helloTimer);
      helloTimer = -1;
    }
  }

  /** Closes now (end of a drain). */
  void close() {
    downstream.close();
  }
}
