package io.fedmesh.sidecar;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;

/**
 * The request decoder Vert.x installs ({@link VertxHttpRequestDecoder}, built from the same
 * options, so Vert.x gets the message types it expects) with two request heads turned into invalid
 * requests, answered 400 by {@link HttpErrors}: Content-Length together with Transfer-Encoding:
 * chunked (Netty would drop the Content-Length and go on, CVE-2019-16869/CVE-2019-20445), and a
 * header line that starts with a space or tab (obs-fold, which Netty would join to the previous
 * line).
 *
 * <p>Folding is found by watching the bytes the decoder consumes while it reads a head: a line feed
 * followed by a space or tab after the request line began. The decoder reads a head in one or more
 * calls and stops right after it, so the bytes it consumed in those calls are exactly the head.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  /** Whether the bytes consumed next belong to a request head (not a body or trailers). */
  private boolean inHead = true;

  /** Whether the request line of the current head has begun (leading empty lines are skipped). */
  private boolean started;

  private boolean lastWasLineFeed;
  private boolean folded;

  /** After a rejected head: the connection is being closed, the rest is not decoded. */
  private boolean discarding;

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new RejectedRequestException(RejectedRequestException.LENGTH_AND_CHUNKED);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (discarding) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    int from = buffer.readerIndex();
    int before = out.size();
    super.decode(ctx, buffer, out);
    if (inHead) {
      scanHead(buffer, from, buffer.readerIndex());
    }
    for (int i = before; i < out.size(); i++) {
      Object msg = out.get(i);
      if (msg instanceof HttpMessage head) {
        if (folded && head.decoderResult().isSuccess()) {
          reject(head, buffer, out, i);
          return;
        }
        inHead = false;
      }
      if (msg instanceof LastHttpContent) {
        inHead = true;
        started = false;
        lastWasLineFeed = false;
        folded = false;
      }
    }
  }

  private void scanHead(ByteBuf buffer, int from, int to) {
    for (int i = from; i < to && !folded; i++) {
      byte b = buffer.getByte(i);
      if (!started) {
        started = b > ' ';
      } else if (lastWasLineFeed && (b == ' ' || b == '\t')) {
        folded = true;
      }
      lastWasLineFeed = b == '\n';
    }
  }

  /** Marks {@code head} invalid, drops what was decoded after it and everything still to come. */
  private void reject(HttpMessage head, ByteBuf buffer, List<Object> out, int index) {
    head.setDecoderResult(
        DecoderResult.failure(new RejectedRequestException(RejectedRequestException.OBS_FOLD)));
    while (out.size() > index + 1) {
      ReferenceCountUtil.release(out.remove(out.size() - 1));
    }
    discarding = true;
    buffer.skipBytes(buffer.readableBytes());
  }
}
