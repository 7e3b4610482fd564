package io.fedmesh.sidecar;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Counts, on one HTTP/2 server connection, the streams that close and the premature resets among
 * them — streams that ended in a RST_STREAM, sent or received, less than {@link
 * ListenerGuards#PREMATURE_RESET_LIFETIME_MILLIS} after they opened and before the listener sent
 * their response's headers — and closes the connection when, within one {@link
 * ListenerGuards#RESET_WINDOW_SECONDS}-second window, at least {@link
 * ListenerGuards#MIN_PREMATURE_RESETS} streams were reset prematurely and they are more than half
 * of the streams closed in it, or {@link ListenerGuards#MAX_PREMATURE_RESETS} were, whatever their
 * share.
 *
 * <p>This replaces Vert.x's (Netty's) reset-flood limit, which closes a connection after 200 resets
 * received in 30 s whatever else it carries: on a connection shared by many requests, an app that
 * cancels some of its requests would lose it. The attacks the limit was there for reset streams
 * early, one after the other: rapid reset (CVE-2023-44487) has the client reset each stream right
 * after opening it, MadeYouReset (CVE-2025-55163) makes the server reset it with a malformed frame;
 * both trip the guard after {@link ListenerGuards#MIN_PREMATURE_RESETS} streams, and an attacker
 * who mixes in answered requests to stay under half pays a full request per reset and is still
 * stopped at the maximum. A caller whose streams mostly get a response keeps the connection, and so
 * do cancelled long polls, watches and streams (older than the lifetime, or answered). This is
 * Envoy's premature-reset rule (there: 1 s, 500 streams, over the connection's life), counted per
 * window so that a connection's long honest past buys an attacker no credit, with a ceiling Envoy
 * lacks.
 *
 * <p>A reset received counts as it is decoded, so a rapid reset stops within the read that reached
 * the minimum. A reset sent counts when its stream closes, which Netty does once the RST_STREAM is
 * written — at the end of a read loop, up to a megabyte of frames later — or, sooner, when the next
 * stream opens: each new stream has the one opened before it counted at once if the listener has
 * reset it. MadeYouReset, which opens a stream and makes the listener reset it, round after round,
 * is thus stopped one stream past the minimum.
 *
 * <p>Not counted: resets the codec sends for frames on streams it does not have (refused or already
 * closed streams, headers that fail validation before the stream exists). They cost the listener a
 * frame's decoding and a RST_STREAM, reach no app, and a run of them with no frame reported in
 * between trips {@link Http2ProgressGuard}.
 */
final class Http2ResetGuard extends Http2ConnectionAdapter {
  private static final long WINDOW_NANOS =
      TimeUnit.SECONDS.toNanos(ListenerGuards.RESET_WINDOW_SECONDS);
  private static final long PREMATURE_NANOS =
      TimeUnit.MILLISECONDS.toNanos(ListenerGuards.PREMATURE_RESET_LIFETIME_MILLIS);

  private final LongSupplier nanoClock;
  private final Runnable onTrip;
  private final Http2Connection.PropertyKey openedAt;
  private long windowStart;
  private int closed;
  private int premature;
  private boolean tripped;

  /**
   * Streams opened within {@link #TICK_NANOS} of each other share one opening time, so that the
   * guard allocates one object per tick, not one per stream; a stream counts as up to a tick older
   * than it is, so a little less often as premature.
   */
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** An opening time, shared by the streams opened within one tick. */
  private record Tick(long at) {}

  private Tick tick;

  /** The stream opened last, until it closes. */
  private Http2Stream lastOpened;

  /** The value of the {@code openedAt} property of a stream already counted. */
  private static final Object COUNTED = new Object();

  /**
   * The stream a RST_STREAM was just read for: Netty's decoder hands the frame to the listener,
   * then closes the stream, and {@link Http2Stream} records resets sent only.
   */
  private int resetReadFor = -1;

  Http2ResetGuard(LongSupplier nanoClock, Http2Connection.PropertyKey openedAt, Runnable onTrip) {
    this.nanoClock = nanoClock;
    this.openedAt = openedAt;
    this.onTrip = onTrip;
    this.windowStart = nanoClock.getAsLong();
  }

  /**
   * Counts the streams of {@code codec}'s connection (and, through its frame listener, the resets
   * it receives); {@code onTrip} runs once, when it must close. Once per connection.
   */
  static void install(Http2ConnectionHandler codec, Runnable onTrip) {
    Http2Connection connection = codec.connection();
    Http2ResetGuard guard = new Http2ResetGuard(System::nanoTime, connection.newKey(), onTrip);
    connection.addListener(guard);
    codec.decoder().frameListener(guard.new ResetReads(codec.decoder().frameListener()));
  }

  @Override
  public void onStreamAdded(Http2Stream stream) {
    Http2Stream previous = lastOpened;
    lastOpened = stream;
    long now = nanoClock.getAsLong();
    if (tick == null || now - tick.at() >= TICK_NANOS) {
      tick = new Tick(now);
    }
    stream.setProperty(openedAt, tick);
    if (previous != null && previous.isResetSent()) {
      // Reset by the listener and not closed yet: its RST_STREAM waits for the end of the read.
      count(previous, true);
    }
  }

  @Override
  public void onStreamClosed(Http2Stream stream) {
    if (stream == lastOpened) {
      lastOpened = null;
    }
    count(stream, stream.isResetSent() || stream.id() == resetReadFor);
  }

  /** Counts {@code stream} once, as closed or reset (by either side) if {@code reset}. */
  private void count(Http2Stream stream, boolean reset) {
    Object opened = stream.getProperty(openedAt);
    if (opened == COUNTED) {
      return;
    }
    stream.setProperty(openedAt, COUNTED);
    streamClosed(reset && !stream.isHeadersSent(), opened instanceof Tick t ? t.at() : 0);
  }

  /**
   * Counts one stream, opened at {@code openedAt} ({@link System#nanoTime}), closing now, reset
   * before its response began if {@code resetBeforeResponse}; runs {@code onTrip} the first time
   * the connection must close.
   */
  void streamClosed(boolean resetBeforeResponse, long openedAt) {
    if (tripped) {
      return;
    }
    long now = nanoClock.getAsLong();
    if (now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      closed = 0;
      premature = 0;
    }
    closed++;
    if (resetBeforeResponse && now - openedAt < PREMATURE_NANOS) {
      premature++;
      if (premature >= ListenerGuards.MAX_PREMATURE_RESETS
          || (premature >= ListenerGuards.MIN_PREMATURE_RESETS && 2L * premature > closed)) {
        tripped = true;
        onTrip.run();
      }
    }
  }

  /** Notes the stream each RST_STREAM read is for, before the codec closes it. */
  private final class ResetReads extends Http2FrameListenerDecorator {
    ResetReads(Http2FrameListener listener) {
      super(listener);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode)
        throws Http2Exception {
      resetReadFor = streamId;
      super.onRstStreamRead(ctx, streamId, errorCode);
    }
  }
}
