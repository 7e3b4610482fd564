/**
 * The sidecar's request meters ({@link io.fedmesh.sidecar.metrics.RequestMeters}): one timer, two
 * byte summaries and a connection gauge shared by the inbound and outbound listeners with the same
 * tag set, retries and ejections, and the bridge that puts trace ids on duration buckets as
 * Prometheus exemplars. Depends on Micrometer (Prometheus registry), the OpenTelemetry API's span
 * context, Vert.x core's HTTP types and proxy-core's model and outlier detector.
 */
package io.fedmesh.sidecar.metrics;
