package io.fedmesh.controller;

import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.Service;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What a {@link ControllerExtension} gets from the replica it runs in. Catalog calls block (they go
 * to Hazelcast): run them on {@link #blockingExecutor()}, never on an event loop or in a catalog
 * listener.
 */
public interface ControllerContext {
  Vertx vertx();

  /** This cluster's catalog, shared by every replica. */
  Catalog catalog();

  /** This cluster's name. */
  String cluster();

  TrustDomain trustDomain();

  /** The cluster CA (all replicas load the same one). */
  CertificateAuthority ca();

  /** This trust domain's bundle and every federated one, kept in step with the catalog. */
  BundleSet bundles();

  /**
   * This replica's TLS: its own SVID ({@code sa/controller}, renewed at half-life) over {@link
   * #bundles()}; use it for outgoing mTLS (peering dials) as well.
   */
  MeshTls tls();

  Clock clock();

  MeterRegistry meterRegistry();

  /** An ordered executor for blocking work (catalog calls); tasks run one at a time. */
  Executor blockingExecutor();

  /** This replica's id, unique in the cluster (shown as a proxy's serving replica). */
  String replicaId();

  /** Whether this replica is the oldest Hazelcast member, which runs cluster-wide singletons. */
  boolean isLeader();

  /**
   * Calls {@code listener} with {@code true} when this replica becomes leader and {@code false}
   * when it stops being leader, on a Hazelcast event thread (do not block). Called at once with the
   * current state.
   */
  void onLeadership(Consumer<Boolean> listener);

  /** Every replica of the cluster now, oldest (the leader) first. */
  List<Replica> replicas();

  /** The host this replica's listeners bind to. */
  String host();

  /** The mTLS listener's port (push, renewal, peering, admin). */
  int mtlsPort();

  /** The bootstrap listener's port (join-token signing, peering-token redemption). */
  int bootstrapPort();

  /** Adds a gRPC service on the mTLS listener; call from {@link ControllerExtension#install}. */
  void addMtlsService(Service service);

  /**
   * Adds a gRPC service on the bootstrap listener; call from {@link ControllerExtension#install}.
   */
  void addBootstrapService(Service service);

  /**
   * The admin API's router on the mTLS listener; only the operator identity reaches it. Add routes
   * under {@code /v1/}.
   */
  Router adminRouter();

  /**
   * One replica of the cluster as its catalog entry reports it.
   *
   * @param replicaId the replica's id
   * @param memberAddress its Hazelcast member address {@code host:port}
   * @param host its listeners' host
   * @param mtlsPort its mTLS listener's port
   * @param bootstrapPort its bootstrap listener's port
   * @param leader whether it is the oldest member
   */
  record Replica(
      String replicaId,
      String memberAddress,
      String host,
      int mtlsPort,
      int bootstrapPort,
      boolean leader) {}
}
