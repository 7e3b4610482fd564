package io.fedmesh.bench;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.OperatorCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.CertificateRequest;
import java.security.cert.X509Certificate;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * SVID issuance on one thread: a CA signing a workload's CSR (CSR signature check, entitlement,
 * certificate build and signature), as the controller's CA service does per request.
 */
@State(Scope.Thread)
public class SvidSigningBenchmark {
  @Param({"EC_P256", "RSA_2048"})
  public String caKey;

  private SvidIssuer issuer;
  private byte[] csr;
  private final OperatorCredential operator = new OperatorCredential("bench");

  @Setup
  public void setUp() {
    TrustDomain td = TrustDomain.of("bench.fedmesh.local");
    CertificateAuthority ca =
        CertificateAuthority.builder(td).keyAlgorithm(KeyAlgorithm.valueOf(caKey)).build();
    issuer =
        SvidIssuer.builder(ca).attestor(Attestor.operator(op -> Entitlement.anyIn(td))).build();
    csr =
        CertificateRequest.create(
                SpiffeId.parse("spiffe://bench.fedmesh.local/ns/default/sa/web"),
                KeyAlgorithm.EC_P256)
            .der();
  }

  /** One issuance: what a workload's CSR costs the CA. */
  @Benchmark
  public List<X509Certificate> issue() {
    return issuer.issue(csr, operator);
  }
}
