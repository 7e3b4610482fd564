package io.fedmesh.sidecar;

import io.fedmesh.proxy.model.Locality;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two clusters' identities only (no proxies), made at run time: us-east and us-west, each with its
 * own CA and trust domain, and each trusting the other's bundle (federated), as the cross-cluster
 * tests need.
 */
public final class FederatedIdentities {
  public static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  public static final TrustDomain WEST = TrustDomain.of("us-west.fedmesh.local");
  public static final Locality EAST_A = new Locality("us-east", "us-east-1a", "us-east");
  public static final Locality WEST_A = new Locality("us-west", "us-west-1a", "us-west");

  public final CertificateAuthority eastCa = CertificateAuthority.builder(EAST).build();
  public final CertificateAuthority westCa = CertificateAuthority.builder(WEST).build();
  private final TrustBundle eastBundle = TrustBundle.of(EAST, List.of(eastCa.root()), 1, null);
  private final TrustBundle westBundle = TrustBundle.of(WEST, List.of(westCa.root()), 1, null);
  public final BundleSet eastSet = BundleSet.builder(eastBundle).add(westBundle).build();
  public final BundleSet westSet = BundleSet.builder(westBundle).add(eastBundle).build();

  /** mTLS for a us-east workload running as {@code path} (e.g. {@code /ns/default/sa/web}). */
  public MeshTls east(String path) {
    return MeshTls.builder(svid(eastCa, path), eastSet).build();
  }

  /** mTLS for a us-west workload running as {@code path}. */
  public MeshTls west(String path) {
    return MeshTls.builder(svid(westCa, path), westSet).build();
  }

  /** The SPIFFE ID {@code path} in {@code domain}. */
  public static SpiffeId id(TrustDomain domain, String path) {
    return SpiffeId.parse(domain.idString() + path);
  }

  private static io.fedmesh.trust.svid.Svid svid(CertificateAuthority ca, String path) {
    return SvidIssuer.issueLocally(
        ca, id(ca.trustDomain(), path), KeyAlgorithm.EC_P256, SvidIssuer.DEFAULT_TTL);
  }

  /** Waits up to 15 s for {@code f}. */
  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}
