package io.fedmesh.gateway;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.OperatorCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.CertificateRequest;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Two clusters' CAs, federated: us-east calls, us-west owns the services and the gateway. */
final class TestMesh {
  static final String EAST = "us-east.fedmesh.local";
  static final String WEST = "us-west.fedmesh.local";

  final CertificateAuthority east = CertificateAuthority.builder(TrustDomain.of(EAST)).build();
  final CertificateAuthority west = CertificateAuthority.builder(TrustDomain.of(WEST)).build();
  final Map<TrustDomain, TrustBundle> bundles = new ConcurrentHashMap<>();
  final Function<TrustDomain, Optional<TrustBundle>> lookup =
      d -> Optional.ofNullable(bundles.get(d));

  TestMesh() {
    for (CertificateAuthority ca : List.of(east, west)) {
      bundles.put(ca.trustDomain(), TrustBundle.of(ca.trustDomain(), List.of(ca.root()), 1, null));
    }
  }

  MeshTls tls(CertificateAuthority ca, String path) {
    return MeshTls.builder(svid(ca, path), lookup).build();
  }

  static SpiffeId id(CertificateAuthority ca, String path) {
    return SpiffeId.parse(ca.trustDomain().idString() + path);
  }

  static Svid svid(CertificateAuthority ca, String path) {
    CertificateRequest csr = CertificateRequest.create(id(ca, path), KeyAlgorithm.EC_P256);
    SvidIssuer issuer =
        SvidIssuer.builder(ca)
            .attestor(Attestor.operator(op -> Entitlement.anyIn(ca.trustDomain())))
            .build();
    return Svid.of(
        csr.keyPair().getPrivate(),
        issuer.issue(csr.der(), new OperatorCredential("test"), Duration.ofHours(1)));
  }
}
