package io.fedmesh.trust.ca;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A workload's current SVID chain, presented to renew it (usually the verified peer chain of the
 * mTLS connection the request came on).
 *
 * @param chain leaf first
 */
public record SvidCredential(List<X509Certificate> chain) implements BootstrapCredential {
  public SvidCredential {
    chain = List.copyOf(chain);
  }

  @Override
  public String kind() {
    return "svid";
  }
}
