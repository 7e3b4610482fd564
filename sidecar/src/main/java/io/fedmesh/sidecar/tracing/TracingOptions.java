package io.fedmesh.sidecar.tracing;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How the sidecar traces: where spans go (OTLP/HTTP, off by default), which share of new traces is
 * sampled, and which header formats it writes upstream. Immutable; {@link #DEFAULT} exports nothing
 * but still continues and propagates traces.
 */
public final class TracingOptions {
  /** Share of new traces sampled when the caller did not decide: all of them. */
  public static final double DEFAULT_SAMPLE_RATIO = 1.0;

  /**
   * Spans waiting for export beyond this many are dropped (counted by the SDK), never waited on.
   */
  public static final int DEFAULT_MAX_QUEUE_SIZE = 2048;

  /** Spans per OTLP request. */
  public static final int DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;

  /** How long queued spans wait before they are sent, at most. */
  public static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofSeconds(1);

  /** One OTLP request's bound. */
  public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);

  /** Formats written upstream and to the app: W3C trace context and B3 multi-header. */
  public static final Set<Propagation> DEFAULT_PROPAGATION =
      Set.copyOf(EnumSet.of(Propagation.TRACECONTEXT, Propagation.B3MULTI));

  /** No export; new traces sampled; W3C and B3 multi-header propagation. */
  public static final TracingOptions DEFAULT = builder().build();

  /**
   * Header formats, named as in {@code OTEL_PROPAGATORS}. All are always read from incoming
   * requests (W3C first); these are the ones written.
   */
  public enum Propagation {
    /** W3C {@code traceparent} and {@code tracestate}. */
    TRACECONTEXT,
    /** B3 single header {@code b3}. */
    B3,
    /** B3 multi-header {@code X-B3-TraceId}, {@code X-B3-SpanId}, {@code X-B3-Sampled}. */
    B3MULTI;

    /** The name as in {@code OTEL_PROPAGATORS}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a name as in {@code OTEL_PROPAGATORS}: tracecontext, b3, b3multi. */
    public static Propagation parse(String name) {
      Objects.requireNonNull(name, "propagation");
      for (Propagation p : values()) {
        if (p.configName().equals(name.trim().toLowerCase(Locale.ROOT))) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "propagation: '" + name + "' (expected: tracecontext, b3, b3multi)");
    }
  }

  private final Optional<URI> otlpEndpoint;
  private final double sampleRatio;
  private final Set<Propagation> propagation;
  private final int maxQueueSize;
  private final int maxExportBatchSize;
  private final Duration scheduleDelay;
  private final Duration exportTimeout;

  private TracingOptions(Builder b) {
    this.otlpEndpoint = Optional.ofNullable(b.otlpEndpoint);
    this.sampleRatio = b.sampleRatio;
    this.propagation = b.propagation;
    this.maxQueueSize = b.maxQueueSize;
    this.maxExportBatchSize = Math.min(b.maxExportBatchSize, b.maxQueueSize);
    this.scheduleDelay = b.scheduleDelay;
    this.exportTimeout = b.exportTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The OTLP/HTTP traces URL spans are posted to; empty: export is off. */
  public Optional<URI> otlpEndpoint() {
    return otlpEndpoint;
  }

  public double sampleRatio() {
    return sampleRatio;
  }

  public Set<Propagation> propagation() {
    return propagation;
  }

  public int maxQueueSize() {
    return maxQueueSize;
  }

  public int maxExportBatchSize() {
    return maxExportBatchSize;
  }

  public Duration scheduleDelay() {
    return scheduleDelay;
  }

  public Duration exportTimeout() {
    return exportTimeout;
  }

  /**
   * The traces URL for an OTLP/HTTP endpoint as users write it: a collector's base URL ({@code
   * http://jaeger:4318}) gets the signal path {@code /v1/traces}, as {@code
   * OTEL_EXPORTER_OTLP_ENDPOINT} does; a URL with a path is taken as it is.
   *
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  public static URI otlpTracesUrl(String endpoint) {
    Objects.requireNonNull(endpoint, "otlpEndpoint");
    URI uri;
    try {
      uri = new URI(endpoint.trim());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(
          "otlpEndpoint: '" + endpoint + "' is not a URL (expected: http://host:4318)", e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "otlpEndpoint: '"
              + endpoint
              + "' (expected: an http:// or https:// URL of an OTLP/HTTP receiver, e.g."
              + " http://host:4318; OTLP/gRPC is not supported)");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          "otlpEndpoint: '" + endpoint + "' has no host (expected: http://host:4318)");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "otlpEndpoint: '"
              + endpoint
              + "' (expected: scheme, host, port and path only; no user info, query or"
              + " fragment)");
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      return uri.resolve("/v1/traces");
    }
    return uri;
  }

  /** Builds {@link TracingOptions}; each setter checks its value at once. */
  public static final class Builder {
    private URI otlpEndpoint;
    private double sampleRatio = DEFAULT_SAMPLE_RATIO;
    private Set<Propagation> propagation = DEFAULT_PROPAGATION;
    private int maxQueueSize = DEFAULT_MAX_QUEUE_SIZE;
    private int maxExportBatchSize = DEFAULT_MAX_EXPORT_BATCH_SIZE;
    private Duration scheduleDelay = DEFAULT_SCHEDULE_DELAY;
    private Duration exportTimeout = DEFAULT_EXPORT_TIMEOUT;

    Builder() {}

    /**
     * Turns export on, to an OTLP/HTTP-protobuf receiver (Jaeger, the OpenTelemetry Collector):
     * {@code http://host:4318} or a full traces URL; see {@link #otlpTracesUrl}.
     */
    public Builder otlpEndpoint(String endpoint) {
      this.otlpEndpoint = otlpTracesUrl(endpoint);
      return this;
    }

    /**
     * Share of new traces sampled, 0..1. A caller's sampling decision (the sampled flag of its
     * {@code traceparent} or B3 headers) is always followed (parent-based).
     */
    public Builder sampleRatio(double ratio) {
      if (!(ratio >= 0.0 && ratio <= 1.0)) {
        throw new IllegalArgumentException("sampleRatio: " + ratio + " (expected: 0.0..1.0)");
      }
      this.sampleRatio = ratio;
      return this;
    }

    /** Formats written upstream and to the app; at least one. */
    public Builder propagation(Set<Propagation> formats) {
      Objects.requireNonNull(formats, "propagation");
      if (formats.isEmpty()) {
        throw new IllegalArgumentException(
            "propagation: empty (expected: one or more of tracecontext, b3, b3multi)");
      }
      this.propagation = Set.copyOf(formats);
      return this;
    }

    /** Spans queued for export, 1..1,000,000; beyond it new spans are dropped. */
    public Builder maxQueueSize(int spans) {
      if (spans < 1 || spans > 1_000_000) {
        throw new IllegalArgumentException("maxQueueSize: " + spans + " (expected: 1..1000000)");
      }
      this.maxQueueSize = spans;
      return this;
    }

    /** Spans per export request, 1..10,000 (and at most the queue size). */
    public Builder maxExportBatchSize(int spans) {
      if (spans < 1 || spans > 10_000) {
        throw new IllegalArgumentException(
            "maxExportBatchSize: " + spans + " (expected: 1..10000)");
      }
      this.maxExportBatchSize = spans;
      return this;
    }

    /** Longest wait of a queued span before export, 1 ms..1 min. */
    public Builder scheduleDelay(Duration delay) {
      this.scheduleDelay = checkDuration("scheduleDelay", delay, Duration.ofMinutes(1));
      return this;
    }

    /** Bound of one export request, 1 ms..1 min. */
    public Builder exportTimeout(Duration timeout) {
      this.exportTimeout = checkDuration("exportTimeout", timeout, Duration.ofMinutes(1));
      return this;
    }

    private static Duration checkDuration(String name, Duration d, Duration max) {
      Objects.requireNonNull(d, name);
      if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: PT0.001S.." + max + ")");
      }
      return d;
    }

    public TracingOptions build() {
      return new TracingOptions(this);
    }
  }
}
