package io.fedmesh.cli.runner;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.Svid;

/** SVIDs the runner issues from a cluster's CA, which it holds (it plays the platform). */
final class Identities {
  private Identities() {}

  static Svid issue(CertificateAuthority ca, SpiffeId id) {
    return SvidIssuer.issueLocally(ca, id, KeyAlgorithm.EC_P256, SvidIssuer.DEFAULT_TTL);
  }

  static SpiffeId workload(CertificateAuthority ca, String namespace, String serviceAccount) {
    return SpiffeId.parse(
        ca.trustDomain().idString() + "/ns/" + namespace + "/sa/" + serviceAccount);
  }
}
