package io.fedmesh.mirror;

import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import java.util.List;
import java.util.Map;

/**
 * Somewhere else imports are mirrored to, beside the catalog (on Kubernetes: Services and
 * EndpointSlices, {@link io.fedmesh.mirror.kubernetes.KubernetesMirror}). Called on the mirror's
 * loop thread: blocking calls are fine, exceptions are logged and the next resync repairs.
 */
public interface MirrorSink {
  /** An import was added or changed; {@code gateway} is its cluster's gateway when known. */
  void imported(ImportEntry entry, GatewayEntry gateway);

  /** An import was removed. */
  void removed(ImportEntry entry);

  /**
   * Makes the mirror hold exactly {@code imports} (deletes what it holds beyond them): the orphan
   * clean-up pass, run on every resync.
   */
  void resync(List<ImportEntry> imports, Map<String, GatewayEntry> gateways);
}
