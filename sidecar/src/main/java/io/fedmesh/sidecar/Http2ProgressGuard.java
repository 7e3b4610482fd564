package io.fedmesh.sidecar;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Sits right before an HTTP/2 codec and counts the bytes handed to it since the codec last reported
 * a complete frame to its listener. While a header block is open (HEADERS without END_HEADERS, then
 * CONTINUATION frames) the codec reports nothing, so a CONTINUATION flood, empty frames included,
 * is a growing run of silent bytes, as are frames for streams the codec already closed and ignores.
 * Past {@link ListenerGuards#MAX_BYTES_WITHOUT_PROGRESS} the connection gets a GOAWAY with
 * ENHANCE_YOUR_CALM and is closed. Counting needs no frame boundaries and allocates nothing.
 *
 * <p>Other guards of the connection ({@link Http2ResetGuard}) close it the same way through {@link
 * #abort}; once aborted, the guard drops whatever the peer still sends.
 *
 * <p>An aborted connection closes lingering, as nginx does: the first close sends the GOAWAY (and a
 * TLS close_notify), then, once they are written, only shuts the socket's output down (FIN), and
 * the guard goes on reading and dropping until the peer closes or {@link #LINGER_MILLIS} pass.
 * Closing at once, with the flood still unread in the receive buffer, makes the kernel answer with
 * a TCP reset, and a peer that gets the reset before it read the GOAWAY never learns why its
 * connection died.
 */
final class Http2ProgressGuard extends ChannelDuplexHandler {
  /** The guard's name in the channel pipeline. */
  static final String NAME = "fedmesh-h2-guard";

  /** How long an aborted connection waits for its peer to read the GOAWAY and close. */
  static final long LINGER_MILLIS = 1000;

  private final Http2ConnectionHandler codec;
  private final ChannelHandlerContext codecContext;
  private final Runnable onNoProgress;
  private long silentBytes;
  private boolean tripped;
  private boolean lingering;
  private String reason = "";

  private Http2ProgressGuard(
      Http2ConnectionHandler codec, ChannelHandlerContext codecContext, Runnable onNoProgress) {
    this.codec = codec;
    this.codecContext = codecContext;
    this.onNoProgress = onNoProgress;
  }

  /**
   * Puts a guard before {@code codec} (whose pipeline context is {@code codecContext}) and has the
   * codec's current frame listener report progress to it; {@code onNoProgress} runs once when it
   * closes the connection for want of progress. Returns the connection's guard (the one already
   * there if there is one).
   */
  static Http2ProgressGuard install(
      Http2ConnectionHandler codec, ChannelHandlerContext codecContext, Runnable onNoProgress) {
    if (codecContext.pipeline().get(NAME) instanceof Http2ProgressGuard existing) {
      return existing;
    }
    Http2ProgressGuard guard = new Http2ProgressGuard(codec, codecContext, onNoProgress);
    codecContext.pipeline().addBefore(codecContext.name(), NAME, guard);
    codec.decoder().frameListener(guard.new Progress(codec.decoder().frameListener()));
    return guard;
  }

  /**
   * Closes the connection for abuse, once (nothing if it is closing already): from now on the guard
   * drops what the peer sends and the codec fails the next frame it decodes with a connection error
   * (the rest of that read is not decoded); {@code count} runs; and a task of its own (never inside
   * the codec's callbacks) closes the connection in case no further frame comes. Whichever close
   * comes first sends the GOAWAY, with ENHANCE_YOUR_CALM and {@code reason} as debug data, and
   * lingers (see {@link #close}). Event loop only.
   */
  void abort(String reason, Runnable count) {
    if (tripped || !codecContext.channel().isActive()) {
      return;
    }
    tripped = true;
    this.reason = reason;
    count.run();
    codecContext
        .executor()
        .execute(
            () -> {
              if (!lingering) {
                goAway();
                codecContext.channel().close();
              }
            });
  }

  /** Sends the GOAWAY with ENHANCE_YOUR_CALM and the abort's reason, unless one went out. */
  private void goAway() {
    if (!codec.connection().goAwaySent()) {
      codec.goAway(
          codecContext,
          codec.connection().remote().lastStreamCreated(),
          Http2Error.ENHANCE_YOUR_CALM.code(),
          Unpooled.copiedBuffer(reason, StandardCharsets.US_ASCII),
          codecContext.newPromise());
    }
  }

  /**
   * Once aborted, turns the first close into a GOAWAY (unless one went out), a TLS close_notify
   * where there is TLS, a shutdown of the output once all that is written, and a close {@link
   * #LINGER_MILLIS} later; every close waits for that one, or for the peer's own close (end of
   * stream), which closes the channel at once.
   */
  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (!lingering) {
      if (!tripped
          || !(ctx.channel() instanceof DuplexChannel socket)
          || socket.isInputShutdown()
          || socket.isOutputShutdown()) {
        ctx.close(promise);
        return;
      }
      linger(ctx, socket);
    }
    ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
  }

  /** Sends the GOAWAY, shuts the output down once it is written, and closes in a while. */
  private void linger(ChannelHandlerContext ctx, DuplexChannel socket) {
    lingering = true;
    goAway();
    // Shutting the output down drops what is not written yet: first the GOAWAY (and close_notify)
    // must have reached the socket.
    SslHandler tls = ctx.pipeline().get(SslHandler.class);
    ChannelPromise written = ctx.newPromise();
    if (tls != null) {
      ctx.flush();
      tls.closeOutbound(written);
    } else {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER, written);
    }
    written.addListener(
        f -> {
          if (socket.isActive()) {
            socket.shutdownOutput();
          }
        });
    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tripped) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf buf) {
      silentBytes += buf.readableBytes();
      if (silentBytes > ListenerGuards.MAX_BYTES_WITHOUT_PROGRESS) {
        buf.release();
        abort("no complete frame", onNoProgress);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Reports every frame the codec completed as progress, then hands it on; once the connection is
   * aborted, fails the frame with a connection error instead, so that the codec drops the rest of
   * the bytes it is decoding (a read holds thousands of small frames) and closes.
   */
  private final class Progress extends Http2FrameListenerDecorator {
    Progress(Http2FrameListener listener) {
      super(listener);
    }

    private void progress() throws Http2Exception {
      if (tripped) {
        // Our GOAWAY first, naming the last stream the codec took: the codec's own, for the
        // exception below, would name 2^31-1 (a hard shutdown) and leave the peer unable to tell
        // which requests it may retry.
        goAway();
        throw Http2Exception.connectionError(
            Http2Error.ENHANCE_YOUR_CALM, "connection aborted by fedmesh's HTTP/2 guard");
      }
      silentBytes = 0;
    }

    @Override
    public int onDataRead(
        ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
        throws Http2Exception {
      progress();
      return super.onDataRead(ctx, streamId, data, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int padding,
        boolean endOfStream)
        throws Http2Exception {
      progress();
      super.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int streamDependency,
        short weight,
        boolean exclusive,
        int padding,
        boolean endOfStream)
        throws Http2Exception {
      progress();
      super.onHeadersRead(
          ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
    }

    @Override
    public void onPriorityRead(
        ChannelHandlerContext ctx, int streamId, int streamDependency, short weight, boolean ex)
        throws Http2Exception {
      progress();
      super.onPriorityRead(ctx, streamId, streamDependency, weight, ex);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode)
        throws Http2Exception {
      progress();
      super.onRstStreamRead(ctx, streamId, errorCode);
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) throws Http2Exception {
      progress();
      super.onSettingsAckRead(ctx);
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings)
        throws Http2Exception {
      progress();
      super.onSettingsRead(ctx, settings);
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
      progress();
      super.onPingRead(ctx, data);
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
      progress();
      super.onPingAckRead(ctx, data);
    }

    @Override
    public void onPushPromiseRead(
        ChannelHandlerContext ctx,
        int streamId,
        int promisedStreamId,
        Http2Headers headers,
        int padding)
        throws Http2Exception {
      progress();
      super.onPushPromiseRead(ctx, streamId, promisedStreamId, headers, padding);
    }

    @Override
    public void onGoAwayRead(
        ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData)
        throws Http2Exception {
      progress();
      super.onGoAwayRead(ctx, lastStreamId, errorCode, debugData);
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int increment)
        throws Http2Exception {
      progress();
      super.onWindowUpdateRead(ctx, streamId, increment);
    }

    @Override
    public void onUnknownFrame(
        ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload)
        throws Http2Exception {
      progress();
      super.onUnknownFrame(ctx, frameType, streamId, flags, payload);
    }
  }
}
