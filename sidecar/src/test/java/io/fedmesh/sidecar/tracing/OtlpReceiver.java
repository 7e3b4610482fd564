package io.fedmesh.sidecar.tracing;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OTLP/HTTP-protobuf trace receiver, as Jaeger's or the Collector's port 4318: decodes each
 * {@code POST /v1/traces} body as an {@link ExportTraceServiceRequest} and keeps its spans.
 */
final class OtlpReceiver {
  /** One received span, flattened: ids in hex, attributes as strings/longs. */
  record ReceivedSpan(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      Span.SpanKind kind,
      Status.StatusCode status,
      Map<String, Object> attributes,
      List<String> events) {
    Object attr(String key) {
      return attributes.get(key);
    }
  }

  final ConcurrentLinkedQueue<ReceivedSpan> spans = new ConcurrentLinkedQueue<>();
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  private final HttpServer server;

  OtlpReceiver(Vertx vertx) {
    server =
        vertx
            .createHttpServer(new HttpServerOptions())
            .connectionHandler(c -> connections.incrementAndGet())
            .requestHandler(
                req -> {
                  requests.incrementAndGet();
                  if (req.method() != HttpMethod.POST || !req.path().equals("/v1/traces")) {
                    req.response().setStatusCode(404).end();
                    return;
                  }
                  req.body()
                      .onSuccess(
                          body -> {
                            try {
                              ExportTraceServiceRequest export =
                                  ExportTraceServiceRequest.parseFrom(body.getBytes());
                              keep(export);
                              req.response()
                                  .putHeader("content-type", "application/x-protobuf")
                                  .end(
                                      Buffer.buffer(
                                          ExportTraceServiceResponse.getDefaultInstance()
                                              .toByteArray()));
                            } catch (Exception e) {
                              req.response().setStatusCode(400).end(e.toString());
                            }
                          });
                });
  }

  Future<Integer> listen(String host, int port) {
    return server.listen(port, host).map(HttpServer::actualPort);
  }

  private void keep(ExportTraceServiceRequest export) {
    for (ResourceSpans rs : export.getResourceSpansList()) {
      String service = String.valueOf(attributes(rs.getResource()).get("service.name"));
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(
              new ReceivedSpan(
                  service,
                  hex(s.getTraceId()),
                  hex(s.getSpanId()),
                  hex(s.getParentSpanId()),
                  s.getName(),
                  s.getKind(),
                  s.getStatus().getCode(),
                  attributes(s.getAttributesList()),
                  s.getEventsList().stream().map(Span.Event::getName).toList()));
        }
      }
    }
  }

  private static Map<String, Object> attributes(Resource r) {
    return attributes(r.getAttributesList());
  }

  private static Map<String, Object> attributes(List<KeyValue> kvs) {
    Map<String, Object> m = new HashMap<>();
    for (KeyValue kv : kvs) {
      AnyValue v = kv.getValue();
      m.put(
          kv.getKey(),
          switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case BOOL_VALUE -> v.getBoolValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            default -> v.toString();
          });
    }
    return m;
  }

  private static String hex(ByteString b) {
    return b.isEmpty() ? "" : HexFormat.of().formatHex(b.toByteArray());
  }

  /** The spans received of {@code traceId}. */
  List<ReceivedSpan> trace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
  }
}
