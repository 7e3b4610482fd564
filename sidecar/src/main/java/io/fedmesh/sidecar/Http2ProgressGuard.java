package io.fedmesh.sidecar;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Sits right before an HTTP/2 codec and counts the bytes handed to it since the codec last reported
 * a complete frame to its listener. While a header block is open (HEADERS without END_HEADERS, then
 * CONTINUATION frames) the codec reports nothing, so a CONTINUATION flood, empty frames included,
 * is a growing run of silent bytes, as are frames for streams the codec already closed and ignores.
 * Past {@link ListenerGuards#MAX_BYTES_WITHOUT_PROGRESS} the connection gets a GOAWAY with
 * ENHANCE_YOUR_CALM and is closed. Counting needs no frame boundaries and allocates nothing.
 */
final class Http2ProgressGuard extends ChannelInboundHandlerAdapter {
  /** The guard's name in the channel pipeline. */
  static final String NAME = "fedmesh-h2-guard";

  private final Http2ConnectionHandler codec;
  private final ChannelHandlerContext codecContext;
  private final Runnable onTrip;
  private long silentBytes;
  private boolean tripped;

  private Http2ProgressGuard(
      Http2ConnectionHandler codec, ChannelHandlerContext codecContext, Runnable onTrip) {
    this.codec = codec;
    this.codecContext = codecContext;
    this.onTrip = onTrip;
  }

  /**
   * Puts a guard before {@code codec} (whose pipeline context is {@code codecContext}) and has the
   * codec's current frame listener report progress to it; {@code onTrip} runs once when it closes
   * the connection.
   */
  static void install(
      Http2ConnectionHandler codec, ChannelHandlerContext codecContext, Runnable onTrip) {
    if (codecContext.pipeline().get(NAME) != null) {
      return;
    }
    Http2ProgressGuard guard = new Http2ProgressGuard(codec, codecContext, onTrip);
    codecContext.pipeline().addBefore(codecContext.name(), NAME, guard);
    codec.decoder().frameListener(guard.new Progress(codec.decoder().frameListener()));
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
        tripped = true;
        buf.release();
        onTrip.run();
        codec
            .goAway(
                codecContext,
                codec.connection().remote().lastStreamCreated(),
                Http2Error.ENHANCE_YOUR_CALM.code(),
                Unpooled.copiedBuffer("no complete frame", StandardCharsets.US_ASCII),
                codecContext.newPromise())
            .addListener(f -> ctx.channel().close());
        codecContext.flush();
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Reports every frame the codec completed as progress, then hands it on. */
  private final class Progress extends Http2FrameListenerDecorator {
    Progress(Http2FrameListener listener) {
      super(listener);
    }

    @Override
    public int onDataRead(
        ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
        throws Http2Exception {
      silentBytes = 0;
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
      silentBytes = 0;
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
      silentBytes = 0;
      super.onHeadersRead(
          ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
    }

    @Override
    public void onPriorityRead(
        ChannelHandlerContext ctx, int streamId, int streamDependency, short weight, boolean ex)
        throws Http2Exception {
      silentBytes = 0;
      super.onPriorityRead(ctx, streamId, streamDependency, weight, ex);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode)
        throws Http2Exception {
      silentBytes = 0;
      super.onRstStreamRead(ctx, streamId, errorCode);
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) throws Http2Exception {
      silentBytes = 0;
      super.onSettingsAckRead(ctx);
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings)
        throws Http2Exception {
      silentBytes = 0;
      super.onSettingsRead(ctx, settings);
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
      silentBytes = 0;
      super.onPingRead(ctx, data);
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
      silentBytes = 0;
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
      silentBytes = 0;
      super.onPushPromiseRead(ctx, streamId, promisedStreamId, headers, padding);
    }

    @Override
    public void onGoAwayRead(
        ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData)
        throws Http2Exception {
      silentBytes = 0;
      super.onGoAwayRead(ctx, lastStreamId, errorCode, debugData);
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int increment)
        throws Http2Exception {
      silentBytes = 0;
      super.onWindowUpdateRead(ctx, streamId, increment);
    }

    @Override
    public void onUnknownFrame(
        ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload)
        throws Http2Exception {
      silentBytes = 0;
      super.onUnknownFrame(ctx, frameType, streamId, flags, payload);
    }
  }
}
