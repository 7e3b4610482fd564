package io.fedmesh.controller.peering;

import io.fedmesh.api.v1.ExportSet;
import io.fedmesh.api.v1.ExportedService;
import io.fedmesh.api.v1.Goodbye;
import io.fedmesh.api.v1.Heartbeat;
import io.fedmesh.api.v1.PeerHello;
import io.fedmesh.api.v1.PeerMessage;
import io.fedmesh.api.v1.TrustBundleDocument;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live peering stream with one linked cluster, dialed or accepted: the same protocol both ways.
 * On open each side sends {@link PeerHello}, its {@link ExportSet} and its trust bundle; then an
 * export set again whenever it changes (debounced by {@link Peering}), the bundle whenever its
 * sequence moves, and a {@link Heartbeat} every interval. A stream with no message for {@code
 * deadAfter} is closed. Everything runs on the stream's Vert.x context; catalog writes go through
 * {@link Peering}, which moves them off the event loop.
 */
final class PeerSession {
  private static final Logger LOG = LoggerFactory.getLogger(PeerSession.class);

  private final Peering peering;
  private final String cluster;
  private final boolean dialed;
  private final Context context;
  private final WriteStream<PeerMessage> out;
  private final Supplier<Future<Void>> endOut;
  private long lastReceivedNanos;
  private long timer = -1;
  private boolean closed;
  private boolean helloSeen;
  private List<ExportedService> lastSent;
  private long exportVersion;
  private long bundleSequenceSent = -1;
  private Runnable onClose = () -> {};

  PeerSession(
      Peering peering,
      String cluster,
      boolean dialed,
      Context context,
      WriteStream<PeerMessage> out,
      Supplier<Future<Void>> endOut) {
    this.peering = peering;
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.dialed = dialed;
    this.context = context;
    this.out = out;
    this.endOut = endOut;
  }

  String cluster() {
    return cluster;
  }

  boolean dialed() {
    return dialed;
  }

  void onClose(Runnable r) {
    this.onClose = r;
  }

  /** Sends the opening messages and starts the heartbeat; call on the stream's context. */
  void open(List<ExportedService> exports, TrustBundleDocument bundle) {
    lastReceivedNanos = peering.nanoTime();
    LocalCluster self = peering.self();
    send(
        PeerMessage.newBuilder()
            .setHello(
                PeerHello.newBuilder()
                    .setCluster(self.cluster())
                    .setTrustDomain(self.trustDomain().name())
                    .setGatewayAddress(self.gatewayHost() + ":" + self.gatewayPort())
                    .setGatewayHealthAddress(self.gatewayHost() + ":" + self.gatewayHealthPort()))
            .build());
    sendExports(exports);
    sendBundle(bundle);
    long interval = peering.heartbeatInterval().toMillis();
    timer = context.owner().setPeriodic(interval, id -> tick());
  }

  private void tick() {
    if (closed) {
      return;
    }
    long silentNanos = peering.nanoTime() - lastReceivedNanos;
    if (silentNanos > peering.deadAfter().toNanos()) {
      close("no message from " + cluster + " for " + silentNanos / 1_000_000 + " ms");
      return;
    }
    send(
        PeerMessage.newBuilder()
            .setHeartbeat(Heartbeat.newBuilder().setSentUnixMillis(peering.clock().millis()))
            .build());
  }

  /** Sends the export set if it differs from the last one sent. */
  void sendExports(List<ExportedService> exports) {
    context.runOnContext(
        v -> {
          if (closed || exports.equals(lastSent)) {
            return;
          }
          lastSent = exports;
          exportVersion++;
          send(
              PeerMessage.newBuilder()
                  .setExports(
                      ExportSet.newBuilder().setVersion(exportVersion).addAllServices(exports))
                  .build());
        });
  }

  /** Sends this cluster's bundle if its sequence is newer than the last one sent. */
  void sendBundle(TrustBundleDocument bundle) {
    if (bundle == null) {
      return;
    }
    context.runOnContext(
        v -> {
          if (closed || bundle.getSequence() <= bundleSequenceSent) {
            return;
          }
          bundleSequenceSent = bundle.getSequence();
          send(PeerMessage.newBuilder().setBundle(bundle).build());
        });
  }

  /**
   * Tells the peer the link is gone, then ends the stream.
   *
   * @return completes once the goodbye and the end of the stream are written (close the connection
   *     only then, or the goodbye may be lost)
   */
  Future<Void> goodbye(String reason) {
    Promise<Void> written = Promise.promise();
    context.runOnContext(
        v -> {
          if (closed) {
            written.complete();
            return;
          }
          send(PeerMessage.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(reason)).build());
          Future<Void> ended = endOut.get();
          closed("unlinked: " + reason);
          ended.onComplete(ar -> written.complete());
        });
    return written.future();
  }

  /** A message from the peer. */
  void receive(PeerMessage m) {
    if (closed) {
      return;
    }
    lastReceivedNanos = peering.nanoTime();
    switch (m.getKindCase()) {
      case HELLO -> {
        PeerHello h = m.getHello();
        if (!h.getCluster().equals(cluster)) {
          close(
              "peer says it is cluster '" + h.getCluster() + "', the link is to '" + cluster + "'");
          return;
        }
        if (!helloSeen) {
          helloSeen = true;
          peering.connected(this, h);
        }
      }
      case EXPORTS -> {
        if (helloSeen) {
          peering.exportsReceived(cluster, m.getExports());
        }
      }
      case BUNDLE -> {
        if (helloSeen) {
          peering.bundleReceived(cluster, m.getBundle());
        }
      }
      case GOODBYE -> {
        LOG.info("cluster {} unlinked from its side: {}", cluster, m.getGoodbye().getReason());
        closed = true;
        cancelTimer();
        endOut.get();
        peering.goodbyeReceived(this, m.getGoodbye().getReason());
        onClose.run();
      }
      case HEARTBEAT, KIND_NOT_SET -> {
        // liveness only
      }
    }
  }

  /** The stream ended or failed. */
  void closed(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    cancelTimer();
    peering.sessionLost(this, reason);
    onClose.run();
  }

  /** Ends the stream from this side. */
  void close(String reason) {
    if (closed) {
      return;
    }
    endOut.get();
    closed(reason);
  }

  boolean isClosed() {
    return closed;
  }

  private void cancelTimer() {
    if (timer >= 0) {
      context.owner().cancelTimer(timer);
      timer = -1;
    }
  }

  private void send(PeerMessage m) {
    if (!closed) {
      out.write(m);
    }
  }
}
