package io.fedmesh.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pieces a relaying listener hands on of an HTTP/1.1 body: what arrived together stays together
 * up to {@link HttpRelay#HTTP1_MAX_CHUNK_BYTES}, where Vert.x's default cut it at 8 KiB.
 */
class Http1ChunkSizeTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aBodyThatArrivesInOneReadIsOnePieceUpToTheLimitAndNoPieceIsLarger() throws Exception {
    List<Integer> pieces = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> total = new CompletableFuture<>();
    HttpServer server =
        vertx
            .createHttpServer(ListenerGuards.serverOptions())
            .requestHandler(
                req -> {
                  req.handler(b -> pieces.add(b.length()));
                  req.endHandler(
                      v -> {
                        total.complete(pieces.stream().mapToInt(Integer::intValue).sum());
                        req.response().end("ok");
                      });
                });
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    int size = HttpRelay.HTTP1_MAX_CHUNK_BYTES + 5000;
    byte[] head =
        ("POST /upload HTTP/1.1\r\nhost: app\r\ncontent-length: " + size + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    Buffer request = Buffer.buffer(head).appendBytes(new byte[size]);
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes()); // one write: on loopback, one or few reads
      out.flush();
      assertThat(total.get(10, TimeUnit.SECONDS)).isEqualTo(size);
      InputStream in = s.getInputStream();
      assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII))
          .isEqualTo("HTTP/1.1 200");
    }
    assertThat(pieces).allMatch(n -> n <= HttpRelay.HTTP1_MAX_CHUNK_BYTES);
    // Vert.x's default would have cut every piece at 8 KiB.
    assertThat(pieces.stream().mapToInt(Integer::intValue).max().orElse(0)).isGreaterThan(8192);
  }
}
