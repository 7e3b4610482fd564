package io.fedmesh.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Splices two sockets: what one reads the other writes, each direction pausing its reader while the
 * writer's queue is full. When one side half-closes (sends FIN and keeps reading), the other side's
 * output is shut down once everything read before the FIN is written, and the reverse direction
 * keeps flowing; when both directions have ended, both sockets are closed. A full close or an error
 * on either socket is the caller's to handle ({@code closeHandler}s), usually by closing the other.
 *
 * <p>Vert.x closes a socket when its peer's FIN arrives. {@link #allowHalfClose} turns that off for
 * one socket and turns the FIN into an empty buffer delivered in order after the data before it
 * (empty reads are dropped, so an empty buffer means nothing else). Call it on both sockets before
 * they are resumed. Over TLS the FIN is a TCP FIN, not a close_notify: Netty's OpenSSL engine
 * closes both directions when it reads a close_notify, so a TLS half-close could not carry the
 * reply.
 */
public final class Splice {
  /** A spliced connection with no byte either way for this long is closed. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

  private static final String HANDLER_NAME = "fedmesh-half-close";

  private final NetSocket a;
  private final NetSocket b;
  private boolean aEnded;
  private boolean bEnded;

  private Splice(NetSocket a, NetSocket b) {
    this.a = a;
    this.b = b;
  }

  /** Checks an idle timeout for spliced connections: 100ms..24h. */
  public static Duration checkIdleTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "idleTimeout");
    if (timeout.toMillis() < 100 || timeout.compareTo(Duration.ofHours(24)) > 0) {
      throw new IllegalArgumentException("idleTimeout: " + timeout + " (expected: 100ms..24h)");
    }
    return timeout;
  }

  /**
   * Lets {@code socket} stay open after its peer's FIN and delivers the FIN as an empty buffer.
   * Call on the socket's event loop (in its connect handler) before it is resumed; a socket that is
   * not a Netty one is left as is (its FIN then closes it).
   */
  public static void allowHalfClose(NetSocket socket) {
    if (!(socket instanceof NetSocketInternal internal)) {
      return;
    }
    ChannelHandlerContext ctx = internal.channelHandlerContext();
    Channel channel = ctx.channel();
    if (!(channel instanceof DuplexChannel) || channel.pipeline().get(HANDLER_NAME) != null) {
      return;
    }
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    channel.pipeline().addBefore(ctx.name(), HANDLER_NAME, new FinAsEmptyBuffer());
  }

  /**
   * Starts copying {@code a} to {@code b} and {@code b} to {@code a}; {@code aToB} and {@code bToA}
   * are told each chunk's size. Sets both sockets' data handlers and resumes them.
   */
  public static void start(NetSocket a, NetSocket b, LongConsumer aToB, LongConsumer bToA) {
    Splice s = new Splice(a, b);
    s.pump(a, b, aToB, true);
    s.pump(b, a, bToA, false);
    a.resume();
    b.resume();
  }

  /**
   * As {@link #start}, without copying: each buffer Netty read from one socket (pooled, direct with
   * the native transport) is handed as it is to the other socket's channel, which writes and
   * releases it; Vert.x's copy of every read into a heap {@link Buffer} is skipped. Both sockets
   * must have nothing queued in Vert.x (their data handler never paused with data pending): the
   * caller reads what came before through {@link NetSocketInternal#messageHandler} itself.
   */
  public static void startZeroCopy(
      NetSocketInternal a, NetSocketInternal b, LongConsumer aToB, LongConsumer bToA) {
    Splice s = new Splice(a, b);
    s.pumpMessages(a, b, aToB, true);
    s.pumpMessages(b, a, bToA, false);
    a.resume();
    b.resume();
  }

  private void pumpMessages(
      NetSocketInternal from, NetSocketInternal to, LongConsumer bytes, boolean fromA) {
    from.messageHandler(
        msg -> {
          if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
          }
          if (!buf.isReadable()) {
            buf.release();
            ended(to, fromA);
            return;
          }
          bytes.accept(buf.readableBytes());
          to.writeMessage(buf); // the channel releases it once written (or on failure)
          if (to.writeQueueFull()) {
            from.pause();
            to.drainHandler(v -> from.resume());
          }
        });
  }

  private void pump(NetSocket from, NetSocket to, LongConsumer bytes, boolean fromA) {
    from.handler(
        buf -> {
          if (buf.length() == 0) {
            ended(to, fromA);
            return;
          }
          bytes.accept(buf.length());
          to.write(buf);
          if (to.writeQueueFull()) {
            from.pause();
            to.drainHandler(v -> from.resume());
          }
        });
  }

  /** {@code from}'s peer sent FIN: pass it on once what came before is written, maybe close. */
  private void ended(NetSocket to, boolean fromA) {
    if (fromA) {
      aEnded = true;
    } else {
      bEnded = true;
    }
    to.write(Buffer.buffer())
        .onComplete(
            ar -> {
              if (ar.failed() || (aEnded && bEnded)) {
                // Both peers are done sending (or the write failed): nothing more can flow.
                a.close();
                b.close();
              } else if (to instanceof NetSocketInternal internal
                  && internal.channelHandlerContext().channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
              } else {
                to.close();
              }
            });
  }

  /** Drops empty reads and turns the peer's FIN into one empty buffer, in order. */
  private static final class FinAsEmptyBuffer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf && !buf.isReadable()) {
        buf.release();
        return;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
        ctx.fireChannelReadComplete();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }
  }
}
