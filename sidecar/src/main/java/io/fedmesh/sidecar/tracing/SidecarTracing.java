package io.fedmesh.sidecar.tracing;

import io.fedmesh.proxy.model.Locality;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The sidecar's tracing: continues the caller's trace from W3C {@code traceparent}/{@code
 * tracestate} or B3 ({@code b3}, or {@code X-B3-*}) headers, or starts one; makes one span per
 * request and direction; writes the span's context onward in the formats of {@link
 * TracingOptions#propagation()}; and, when an OTLP endpoint is set, exports spans through a bounded
 * batch queue on its own thread (the request path only enqueues, never waits).
 *
 * <p><b>Spans.</b> Outbound, a {@link SpanKind#CLIENT} span per request from the app, as Envoy's
 * sidecar makes one per request: retries are not spans of their own but the attribute {@code
 * http.request.resend_count} (OpenTelemetry's name for it) and one {@code retry} event per retry
 * with the endpoint tried; every try carries the same parent, so the far side's server spans of
 * failed and successful tries all hang under it. Inbound, a {@link SpanKind#SERVER} span per
 * request from another sidecar or gateway. The app receives the span's context as its parent, so
 * even with export off the trace id reaches it.
 *
 * <p><b>Attributes.</b> Both: {@code fedmesh.cluster}, {@code fedmesh.trust_domain}, {@code
 * fedmesh.locality.region}, {@code fedmesh.locality.zone} (this proxy), {@code
 * http.request.method}, {@code url.path}, {@code http.response.status_code}, {@code error.type} on
 * failures. Outbound: {@code fedmesh.destination.service} ({@code namespace/name}), {@code
 * fedmesh.peer.cluster}, {@code fedmesh.peer.locality.region}, {@code fedmesh.peer.locality.zone}
 * (where the answering endpoint runs), {@code fedmesh.gateway} ({@code host:port} of the east-west
 * gateway, cross-cluster only), {@code fedmesh.endpoint}, {@code server.address}, {@code
 * server.port}, {@code network.peer.address}, {@code network.peer.port}. Inbound: {@code
 * fedmesh.peer.spiffe_id}, {@code fedmesh.peer.trust_domain} (the verified caller), {@code
 * fedmesh.authz.decision}, {@code network.peer.address}. {@code http.route} is not set: the mesh
 * has no route templates, and the raw path would break that attribute's low cardinality. Status is
 * ERROR for 5xx answers and for failures the proxy answered itself.
 *
 * <p><b>Trace id to the app.</b> The outbound answers carry {@value #TRACE_ID_HEADER} with the
 * trace id, so an app can log it without parsing trace headers; it costs one header.
 */
public final class SidecarTracing {
  /** Response header with the trace id, on answers the outbound listener gives its app. */
  public static final String TRACE_ID_HEADER = "x-fedmesh-trace-id";

  static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("fedmesh.cluster");
  static final AttributeKey<String> TRUST_DOMAIN = AttributeKey.stringKey("fedmesh.trust_domain");
  static final AttributeKey<String> REGION = AttributeKey.stringKey("fedmesh.locality.region");
  static final AttributeKey<String> ZONE = AttributeKey.stringKey("fedmesh.locality.zone");
  static final AttributeKey<String> DESTINATION_SERVICE =
      AttributeKey.stringKey("fedmesh.destination.service");
  static final AttributeKey<String> PEER_CLUSTER = AttributeKey.stringKey("fedmesh.peer.cluster");
  static final AttributeKey<String> PEER_REGION =
      AttributeKey.stringKey("fedmesh.peer.locality.region");
  static final AttributeKey<String> PEER_ZONE =
      AttributeKey.stringKey("fedmesh.peer.locality.zone");
  static final AttributeKey<String> GATEWAY = AttributeKey.stringKey("fedmesh.gateway");
  static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("fedmesh.endpoint");
  static final AttributeKey<String> PEER_SPIFFE_ID =
      AttributeKey.stringKey("fedmesh.peer.spiffe_id");
  static final AttributeKey<String> PEER_TRUST_DOMAIN =
      AttributeKey.stringKey("fedmesh.peer.trust_domain");
  static final AttributeKey<String> AUTHZ_DECISION =
      AttributeKey.stringKey("fedmesh.authz.decision");
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  static final AttributeKey<String> SERVICE_NAMESPACE = AttributeKey.stringKey("service.namespace");

  /** Every header a format of ours reads or writes; they are replaced, never passed through. */
  private static final List<String> TRACE_HEADERS =
      List.of(
          "traceparent",
          "tracestate",
          "b3",
          "x-b3-traceid",
          "x-b3-spanid",
          "x-b3-parentspanid",
          "x-b3-sampled",
          "x-b3-flags");

  private static final TextMapGetter<MultiMap> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(MultiMap carrier) {
          return carrier.names();
        }

        @Override
        public String get(MultiMap carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  /** Lower-case names: HTTP/2 forbids upper case, and B3 writes {@code X-B3-TraceId}. */
  private static final TextMapSetter<MultiMap> SETTER =
      (carrier, key, value) -> carrier.set(key.toLowerCase(Locale.ROOT), value);

  // B3 first, W3C last: when a request carries both, the W3C context wins.
  private static final TextMapPropagator EXTRACTOR =
      TextMapPropagator.composite(
          B3Propagator.injectingSingleHeader(), W3CTraceContextPropagator.getInstance());

  private final Sampler sampler;
  private final IdGenerator ids = IdGenerator.random();
  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final TextMapPropagator injector;
  private final boolean exporting;
  private final SpiffeId identity;
  private final Supplier<Locality> locality;

  private SidecarTracing(
      TracingOptions options, SpiffeId identity, Supplier<Locality> locality, String version) {
    this.identity = identity;
    this.locality = Objects.requireNonNull(locality, "locality");
    this.sampler = Sampler.parentBased(Sampler.traceIdRatioBased(options.sampleRatio()));
    this.exporting = options.otlpEndpoint().isPresent();
    if (exporting) {
      OtlpHttpSpanExporter exporter =
          OtlpHttpSpanExporter.builder()
              .setEndpoint(options.otlpEndpoint().get().toString())
              .setTimeout(options.exportTimeout())
              .build();
      this.provider =
          SdkTracerProvider.builder()
              .setResource(resource(identity))
              .setIdGenerator(ids)
              .setSampler(sampler)
              .addSpanProcessor(
                  BatchSpanProcessor.builder(exporter)
                      .setMaxQueueSize(options.maxQueueSize())
                      .setMaxExportBatchSize(options.maxExportBatchSize())
                      .setScheduleDelay(options.scheduleDelay())
                      .setExporterTimeout(options.exportTimeout())
                      .build())
              .build();
      this.tracer = provider.get("io.fedmesh.sidecar", version);
    } else {
      // Nothing reads a span's attributes: requests get propagated() spans, and neither the SDK's
      // provider nor the exporter is built.
      this.provider = null;
      this.tracer = null;
    }
    List<TextMapPropagator> writers = new ArrayList<>();
    for (TracingOptions.Propagation p : TracingOptions.Propagation.values()) {
      if (options.propagation().contains(p)) {
        writers.add(
            switch (p) {
              case TRACECONTEXT -> W3CTraceContextPropagator.getInstance();
              case B3 -> B3Propagator.injectingSingleHeader();
              case B3MULTI -> B3Propagator.injectingMultiHeaders();
            });
      }
    }
    this.injector = TextMapPropagator.composite(writers);
  }

  /**
   * Tracing for the sidecar of workload {@code identity}.
   *
   * @param locality where this proxy runs (region, zone, cluster); read per span, so a new snapshot
   *     applies at once; may return null before the first snapshot
   */
  public static SidecarTracing create(
      TracingOptions options, SpiffeId identity, Supplier<Locality> locality) {
    return new SidecarTracing(
        Objects.requireNonNull(options, "options"),
        Objects.requireNonNull(identity, "identity"),
        locality,
        version());
  }

  /**
   * Propagation without export or proxy attributes: what a proxy built without tracing uses, so a
   * trace still continues through it and reaches the app.
   */
  public static SidecarTracing propagationOnly() {
    return new SidecarTracing(TracingOptions.DEFAULT, null, () -> null, version());
  }

  /** Whether spans are exported (an OTLP endpoint is set). */
  public boolean exporting() {
    return exporting;
  }

  /** Starts the CLIENT span of a request from the app to {@code destinationService}. */
  public OutboundSpan outbound(HttpServerRequest appRequest, String destinationService) {
    Span span;
    if (exporting) {
      SpanBuilder sb =
          start(appRequest, appRequest.method().name() + " " + destinationService, SpanKind.CLIENT);
      sb.setAttribute(DESTINATION_SERVICE, destinationService);
      if (appRequest.authority() != null) {
        sb.setAttribute(SERVER_ADDRESS, appRequest.authority().host());
        if (appRequest.authority().port() > 0) {
          sb.setAttribute(SERVER_PORT, (long) appRequest.authority().port());
        }
      }
      span = sb.startSpan();
    } else {
      span = propagated(appRequest, SpanKind.CLIENT);
    }
    appRequest
        .response()
        .headersEndHandler(
            v ->
                appRequest
                    .response()
                    .headers()
                    .set(TRACE_ID_HEADER, span.getSpanContext().getTraceId()));
    return new OutboundSpan(this, span);
  }

  /** Starts the SERVER span of a request from {@code caller}, whose SVID was verified. */
  public InboundSpan inbound(HttpServerRequest request, SpiffeId caller) {
    if (!exporting) {
      return new InboundSpan(this, propagated(request, SpanKind.SERVER));
    }
    String name =
        identity == null
            ? request.method().name()
            : request.method().name() + " " + serviceName(identity);
    SpanBuilder sb = start(request, name, SpanKind.SERVER);
    sb.setAttribute(PEER_SPIFFE_ID, caller.toString());
    sb.setAttribute(PEER_TRUST_DOMAIN, caller.trustDomain().name());
    SocketAddress remote = request.remoteAddress();
    if (remote != null && remote.hostAddress() != null) {
      sb.setAttribute(PEER_ADDRESS, remote.hostAddress());
    }
    return new InboundSpan(this, sb.startSpan());
  }

  private SpanBuilder start(HttpServerRequest req, String name, SpanKind kind) {
    Context parent = EXTRACTOR.extract(Context.root(), req.headers(), GETTER);
    SpanBuilder sb = tracer.spanBuilder(name).setParent(parent).setSpanKind(kind);
    sb.setAttribute(HTTP_METHOD, req.method().name());
    String path = req.path();
    if (path != null) {
      sb.setAttribute(URL_PATH, path);
    }
    if (identity != null) {
      sb.setAttribute(TRUST_DOMAIN, identity.trustDomain().name());
    }
    Locality l = locality.get();
    if (l != null) {
      sb.setAttribute(CLUSTER, l.cluster());
      sb.setAttribute(REGION, l.region());
      sb.setAttribute(ZONE, l.zone());
    }
    return sb;
  }

  /**
   * With export off, the span a request gets when nothing will read its attributes: the context the
   * SDK would give it (the caller's trace id or a new one, a new span id, the same sampler's
   * decision and trace state) on a non-recording span, so that no span object, attribute map or
   * span name is made per request. The sampler sees no name and no attributes; neither of ours
   * (parent-based, trace-id ratio) reads them.
   */
  private Span propagated(HttpServerRequest req, SpanKind kind) {
    Context parent = EXTRACTOR.extract(Context.root(), req.headers(), GETTER);
    SpanContext parentContext = Span.fromContext(parent).getSpanContext();
    String traceId = parentContext.isValid() ? parentContext.getTraceId() : ids.generateTraceId();
    SamplingResult sampling =
        sampler.shouldSample(parent, traceId, "", kind, Attributes.empty(), List.of());
    return Span.wrap(
        SpanContext.create(
            traceId,
            ids.generateSpanId(),
            sampling.getDecision() == SamplingDecision.RECORD_AND_SAMPLE
                ? TraceFlags.getSampled()
                : TraceFlags.getDefault(),
            sampling.getUpdatedTraceState(parentContext.getTraceState())));
  }

  /** Replaces any trace headers in {@code headers} with {@code span}'s context. */
  void inject(Span span, MultiMap headers) {
    for (String h : TRACE_HEADERS) {
      headers.remove(h);
    }
    injector.inject(Context.root().with(span), headers, SETTER);
  }

  /**
   * Sends what is queued and stops; spans ended afterwards are dropped. Completes when the last
   * export finished or failed; never blocks the caller.
   */
  public Future<Void> close() {
    if (provider == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    provider.shutdown().whenComplete(done::tryComplete);
    return done.future();
  }

  /** {@code sa.ns} for {@code spiffe://td/ns/NS/sa/SA} (as Istio names services), else the ID. */
  static String serviceName(SpiffeId id) {
    if (id.namespace().isPresent() && id.serviceAccount().isPresent()) {
      return id.serviceAccount().get() + "." + id.namespace().get();
    }
    return id.toString();
  }

  private static Resource resource(SpiffeId identity) {
    if (identity == null) {
      return Resource.getDefault()
          .merge(Resource.create(Attributes.of(SERVICE_NAME, "fedmesh-sidecar")));
    }
    var attrs = Attributes.builder().put(SERVICE_NAME, serviceName(identity));
    identity.namespace().ifPresent(ns -> attrs.put(SERVICE_NAMESPACE, ns));
    attrs.put(AttributeKey.stringKey("fedmesh.spiffe_id"), identity.toString());
    attrs.put(TRUST_DOMAIN, identity.trustDomain().name());
    return Resource.getDefault().merge(Resource.create(attrs.build()));
  }

  private static String version() {
    String v = SidecarTracing.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
