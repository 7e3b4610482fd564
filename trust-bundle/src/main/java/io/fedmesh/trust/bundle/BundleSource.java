package io.fedmesh.trust.bundle;

import io.fedmesh.trust.spiffe.TrustDomain;
import java.util.concurrent.CompletionStage;

/**
 * Where a federated domain's bundle comes from: a peer's bundle endpoint, a file, the control
 * plane. Used by {@link BundleRefresher}.
 */
@FunctionalInterface
public interface BundleSource {
  /**
   * Fetches the current bundle of {@code domain}. Must not block: return a stage that completes
   * later, exceptionally on failure (for a malformed document, with a {@link
   * BundleFormatException}).
   */
  CompletionStage<TrustBundle> fetch(TrustDomain domain);
}
