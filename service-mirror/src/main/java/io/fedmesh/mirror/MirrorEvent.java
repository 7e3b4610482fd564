package io.fedmesh.mirror;

import io.fedmesh.controller.catalog.ImportEntry;

/**
 * What the service mirror reacts to, one at a time on its loop. Catalog callbacks (peering's
 * received export sets, links, gateways, local services) are turned into these; the loop handles
 * each, re-deciding the imports of the service names it touches.
 */
public sealed interface MirrorEvent {
  /** A linked cluster exports (or changed) a service. */
  record RemoteServiceExported(ImportEntry service) implements MirrorEvent {}

  /** A linked cluster stopped exporting a service. */
  record RemoteServiceUnexported(String cluster, String namespace, String name)
      implements MirrorEvent {}

  /** The link to a cluster was removed: all its imports go. */
  record ClusterUnlinked(String cluster) implements MirrorEvent {}

  /**
   * The peering stream or the gateway of a cluster was lost at {@code sinceMillis}; its imports
   * become unreachable once that has lasted the bound.
   */
  record LinkLost(String cluster, long sinceMillis, String reason) implements MirrorEvent {}

  /** The peering stream and gateway of a cluster are back: its imports are reachable again. */
  record LinkRecovered(String cluster) implements MirrorEvent {}

  /** A local service was added, changed or removed (it may clash with an import's names). */
  record LocalServiceChanged(String namespace, String name) implements MirrorEvent {}

  /**
   * Re-decide everything: at start, when this replica becomes leader, periodically, and when the
   * bound of a lost link runs out. Also removes orphans (imports of clusters no longer linked).
   */
  record Resync() implements MirrorEvent {}
}
