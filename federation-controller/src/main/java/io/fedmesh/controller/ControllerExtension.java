package io.fedmesh.controller;

import io.vertx.core.Future;

/**
 * A part plugged into a {@link FederationController} replica (peering, gateway probing, service
 * mirror): {@link #install} runs once the replica's catalog, CA and own SVID are ready and before
 * its listeners open, so the part can add gRPC services and admin routes through the context;
 * {@link #close} runs when the replica stops, before its Hazelcast member leaves.
 */
public interface ControllerExtension {
  /** Adds services, routes and listeners; must not block (use the context's executor for that). */
  void install(ControllerContext context);

  /** Stops what {@link #install} started. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
