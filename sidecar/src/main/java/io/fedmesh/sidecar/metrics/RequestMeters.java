package io.fedmesh.sidecar.metrics;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.routing.OutlierDetector;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.SpanContext;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sidecar's request meters, one set for both directions so that one query spans them (as
 * Istio's {@code istio_requests_total} with its {@code reporter} label).
 *
 * <ul>
 *   <li>{@value #REQUESTS} (timer with histogram buckets from 1 ms to 30 s; Prometheus {@code
 *       fedmesh_requests_seconds_bucket/_count/_sum/_max}): requests answered, by the {@linkplain
 *       #REQUEST_TAGS request tags}. Buckets carry the trace id of a sampled request as an exemplar
 *       in the OpenMetrics exposition when the registry comes from {@link #prometheusRegistry()}.
 *   <li>{@value #REQUEST_BYTES}, {@value #RESPONSE_BYTES} (distribution summaries, bytes; {@code
 *       fedmesh_request_bytes_count/_sum/_max}): body bytes read from the caller and written back,
 *       by the request tags.
 *   <li>{@value #CONNECTIONS_ACTIVE} (gauge; tag {@code direction}): connections open on the
 *       listener now (outbound: from the app; inbound: mTLS from other proxies).
 *   <li>{@value #RETRIES} (counter; tags {@code destination_service}, {@code reason} 5xx, reset,
 *       connect_failure, per_try_timeout, ...): tries after the first.
 *   <li>{@value #EJECTIONS} (counter; tags {@code destination_service}, {@code
 *       destination_cluster}, {@code destination_zone}): outlier-detection ejections.
 *   <li>{@value #HTTP2_ABUSE} (counter; tags {@code direction}, {@code kind} = {@code no_progress}
 *       or {@code premature_resets}): HTTP/2 connections the listener's guards closed (see {@code
 *       io.fedmesh.sidecar.ListenerGuards}).
 * </ul>
 *
 * <p>TLS handshake failures by reason are counted by trust-bundle's {@code MeshTls} as {@code
 * fedmesh.tls.handshake.failures} (tags {@code listener}, {@code reason}) when it is given the same
 * registry.
 *
 * <p>Where a side cannot know a tag's value it is {@value #UNKNOWN}: the inbound side knows its
 * caller by the verified trust domain only, so its {@code source_cluster/region/zone} are unknown;
 * its {@code destination_service} is {@code ns/sa} of its own SPIFFE ID. The outbound side knows
 * both ends; before an endpoint is chosen (no route, circuit open) the destination locality is
 * unknown.
 */
public final class RequestMeters {
  /** Requests answered, by direction, ends, service, response class and decision. */
  public static final String REQUESTS = "fedmesh.requests";

  /** Request body bytes read from the caller. */
  public static final String REQUEST_BYTES = "fedmesh.request.bytes";

  /** Response body bytes written to the caller. */
  public static final String RESPONSE_BYTES = "fedmesh.response.bytes";

  /** Connections open on a listener. */
  public static final String CONNECTIONS_ACTIVE = "fedmesh.connections.active";

  /** Outbound tries after the first. */
  public static final String RETRIES = "fedmesh.outbound.retries";

  /** Outlier-detection ejections of outbound endpoints. */
  public static final String EJECTIONS = "fedmesh.outbound.ejections";

  /** HTTP/2 connections closed for abuse, by direction and kind. */
  public static final String HTTP2_ABUSE = "fedmesh.http2.abuse";

  /**
   * The tags of {@link #REQUESTS}, {@link #REQUEST_BYTES} and {@link #RESPONSE_BYTES}: {@code
   * direction} (inbound, outbound), {@code source_cluster}, {@code source_region}, {@code
   * source_zone}, {@code source_trust_domain}, {@code destination_cluster}, {@code
   * destination_region}, {@code destination_zone}, {@code destination_service} ({@code ns/name}),
   * {@code response_class} (2xx..5xx), {@code decision} (outbound: routed, no_route, circuit_open,
   * no_healthy_upstream, upstream_error; inbound: allowed, denied, bad_path, upstream_error).
   */
  public static final String REQUEST_TAGS =
      "direction source_cluster source_region source_zone source_trust_domain destination_cluster"
          + " destination_region destination_zone destination_service response_class decision";

  /** A tag value a side cannot know. */
  public static final String UNKNOWN = "unknown";

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private final MeterRegistry registry;
  private final String direction;
  private final AtomicInteger connections = new AtomicInteger();

  /**
   * Meters by tag values, so that a request only records: registering looks the meter up by an id
   * of eleven tags, which costs more than the recording itself. Bounded as the registry is, by the
   * tag values' cardinality.
   */
  private final Map<Key, Meters> meters = new ConcurrentHashMap<>();

  private RequestMeters(MeterRegistry registry, String direction) {
    this.registry = registry;
    this.direction = direction;
    if (registry != null) {
      Gauge.builder(CONNECTIONS_ACTIVE, connections, AtomicInteger::get)
          .tag("direction", direction)
          .strongReference(true)
          .description("connections open on the listener")
          .register(registry);
    }
  }

  /** Meters of the outbound listener; a null registry records nothing. */
  public static RequestMeters outbound(MeterRegistry registry) {
    return new RequestMeters(registry, "outbound");
  }

  /** Meters of the inbound listener; a null registry records nothing. */
  public static RequestMeters inbound(MeterRegistry registry) {
    return new RequestMeters(registry, "inbound");
  }

  /**
   * A Prometheus registry whose duration buckets carry trace ids as exemplars; give the same one to
   * both listeners, {@code MeshTls} and the admin listener.
   */
  public static PrometheusMeterRegistry prometheusRegistry() {
    return new PrometheusMeterRegistry(
        PrometheusConfig.DEFAULT, new PrometheusRegistry(), Clock.SYSTEM, TraceExemplars.INSTANCE);
  }

  /** Counts one HTTP/2 connection closed for abuse of {@code kind} in {@link #HTTP2_ABUSE}. */
  public void http2Abuse(String kind) {
    if (registry != null) {
      Counter.builder(HTTP2_ABUSE)
          .tag("direction", direction)
          .tag("kind", kind)
          .description("HTTP/2 connections closed for abuse")
          .register(registry)
          .increment();
    }
  }

  /**
   * Counts {@code conn}, just opened on the listener, in {@link #CONNECTIONS_ACTIVE} until closed.
   */
  public void track(HttpConnection conn) {
    connections.incrementAndGet();
    conn.closeHandler(v -> connections.decrementAndGet());
  }

  /** One end of a request: a proxy's locality and trust domain, or the unknown end. */
  public record Side(Locality locality, String trustDomain) {
    /** An end the reporting side does not know. */
    public static final Side UNKNOWN_SIDE = new Side(null, null);

    String cluster() {
      return locality == null ? UNKNOWN : locality.cluster();
    }

    String region() {
      return locality == null ? UNKNOWN : locality.region();
    }

    String zone() {
      return locality == null ? UNKNOWN : locality.zone();
    }

    String domain() {
      return trustDomain == null ? UNKNOWN : trustDomain;
    }
  }

  /**
   * Records one answered request.
   *
   * @param req the request as the listener received it; its body bytes read and response bytes
   *     written are recorded
   * @param trace the request's span context, for exemplars; may be null
   */
  public void record(
      Side source,
      Side destination,
      String destinationService,
      String decision,
      int status,
      long startNanos,
      HttpServerRequest req,
      SpanContext trace) {
    if (registry == null) {
      return;
    }
    long nanos = System.nanoTime() - startNanos;
    Meters m =
        meters.computeIfAbsent(
            new Key(
                source,
                destination,
                destinationService == null ? UNKNOWN : destinationService,
                decision,
                status / 100),
            this::register);
    TraceExemplars.with(trace, () -> m.duration.record(nanos, TimeUnit.NANOSECONDS));
    m.requestBytes.record(req.bytesRead());
    m.responseBytes.record(req.response().bytesWritten());
  }

  /** What tells one set of request meters from another: the values of the request tags. */
  private record Key(
      Side source, Side destination, String service, String decision, int statusClass) {}

  /** The meters of one {@link Key}, registered once and then only recorded to. */
  private record Meters(
      Timer duration, DistributionSummary requestBytes, DistributionSummary responseBytes) {}

  private Meters register(Key k) {
    Tags tags =
        Tags.of(
                "direction", direction,
                "source_cluster", k.source().cluster(),
                "source_region", k.source().region(),
                "source_zone", k.source().zone(),
                "source_trust_domain", k.source().domain(),
                "destination_cluster", k.destination().cluster(),
                "destination_region", k.destination().region(),
                "destination_zone", k.destination().zone(),
                "destination_service", k.service(),
                "response_class", k.statusClass() + "xx")
            .and("decision", k.decision());
    return new Meters(
        Timer.builder(REQUESTS)
            .tags(tags)
            .serviceLevelObjectives(BUCKETS)
            .description("requests answered by the sidecar")
            .register(registry),
        DistributionSummary.builder(REQUEST_BYTES)
            .tags(tags)
            .baseUnit("bytes")
            .description("request body bytes read from the caller")
            .register(registry),
        DistributionSummary.builder(RESPONSE_BYTES)
            .tags(tags)
            .baseUnit("bytes")
            .description("response body bytes written to the caller")
            .register(registry));
  }

  /** Counts a retry of a request to {@code service} after {@code reason}. */
  public void retry(String service, String reason) {
    if (registry != null) {
      Counter.builder(RETRIES)
          .tag("destination_service", service)
          .tag("reason", reason)
          .description("outbound tries after the first")
          .register(registry)
          .increment();
    }
  }

  /** A listener counting {@code service}'s ejections in {@link #EJECTIONS}. */
  public OutlierDetector.Listener ejections(String service) {
    return ejections(registry, service);
  }

  /**
   * A listener counting {@code service}'s ejections in {@link #EJECTIONS} of {@code registry}
   * (null: counts nothing), for routing state outside the HTTP listeners (raw TCP).
   */
  public static OutlierDetector.Listener ejections(MeterRegistry registry, String service) {
    return new OutlierDetector.Listener() {
      @Override
      public void onEjected(Endpoint endpoint, Duration duration, int ejections) {
        if (registry != null) {
          Counter.builder(EJECTIONS)
              .tag("destination_service", service)
              .tag("destination_cluster", endpoint.locality().cluster())
              .tag("destination_zone", endpoint.locality().zone())
              .description("outlier-detection ejections")
              .register(registry)
              .increment();
        }
      }
    };
  }
}
