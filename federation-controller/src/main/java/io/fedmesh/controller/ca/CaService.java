package io.fedmesh.controller.ca;

import com.google.protobuf.Descriptors;
import io.fedmesh.api.v1.CertificateAuthorityGrpcService;
import io.fedmesh.api.v1.SignRequest;
import io.fedmesh.api.v1.SignResponse;
import io.fedmesh.api.v1.TrustBundleDocument;
import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.ControllerExtension;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.BootstrapCredential;
import io.fedmesh.trust.ca.IssuanceException;
import io.fedmesh.trust.ca.JoinTokenCredential;
import io.fedmesh.trust.ca.SvidAttestor;
import io.fedmesh.trust.ca.SvidCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.svid.SvidVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster CA as a gRPC service ({@code fedmesh.v1.CertificateAuthority/Sign}), on both
 * listeners:
 *
 * <ul>
 *   <li>bootstrap listener: the CSR is honoured with a join token ({@link CatalogJoinTokens}) that
 *       is scoped to the SPIFFE ID the CSR asks for;
 *   <li>mTLS listener: renewal; the caller's verified SVID entitles it to a new SVID for the same
 *       ID, no token.
 * </ul>
 *
 * <p>Every response carries the bundle set (this trust domain's and every federated one). Refusals
 * map to gRPC statuses: a bad credential to {@code UNAUTHENTICATED}, an ID the credential does not
 * cover to {@code PERMISSION_DENIED}, a bad CSR to {@code INVALID_ARGUMENT}; the status message
 * says what was wrong. Signed SVIDs' expiries are kept in the catalog state map {@value
 * #SVID_EXPIRIES} (key: serial; expiring with the SVID) for CA rotation.
 *
 * <p>Meters:
 *
 * <ul>
 *   <li>{@code fedmesh.controller.ca.issued} (counter; tag {@code via}: {@code join_token} or
 *       {@code renewal}): SVIDs signed.
 *   <li>{@code fedmesh.controller.ca.refused} (counter; tags {@code via}, {@code reason}: an {@link
 *       IssuanceException.Reason#tag()}): requests refused.
 * </ul>
 */
public final class CaService implements ControllerExtension {
  /** Meter: SVIDs signed. */
  public static final String ISSUED = "fedmesh.controller.ca.issued";

  /** Meter: signing requests refused. */
  public static final String REFUSED = "fedmesh.controller.ca.refused";

  /** The state map of signed SVIDs' expiries. */
  public static final String SVID_EXPIRIES = "svid-expiries";

  private static final Logger LOG = LoggerFactory.getLogger(CaService.class);

  private final Duration ttl;
  private ControllerContext context;
  private CatalogJoinTokens joinTokens;
  private SvidIssuer bootstrapIssuer;
  private SvidIssuer renewalIssuer;

  /** A CA service signing SVIDs that live {@code ttl}. */
  public CaService(Duration ttl) {
    this.ttl = Objects.requireNonNull(ttl, "ttl");
  }

  @Override
  public void install(ControllerContext ctx) {
    this.context = ctx;
    this.joinTokens = new CatalogJoinTokens(ctx.catalog(), ctx.clock());
    SvidIssuer.IssuanceListener record = (ca, leaf) -> recordExpiry(ctx.catalog(), leaf);
    this.bootstrapIssuer =
        SvidIssuer.builder(ctx.ca())
            .attestor(joinTokens)
            .defaultTtl(ttl)
            .maxTtl(ttl)
            .listener(record)
            .build();
    SvidVerifier verifier = ctx.tls().verifier();
    this.renewalIssuer =
        SvidIssuer.builder(ctx.ca())
            .attestor(new SvidAttestor(verifier))
            .defaultTtl(ttl)
            .maxTtl(ttl)
            .listener(record)
            .build();
    ctx.addBootstrapService(service("join_token", this::joinTokenCredential));
    ctx.addMtlsService(service("renewal", this::svidCredential));
  }

  /** The join tokens this service redeems (the admin API issues them). */
  public CatalogJoinTokens joinTokens() {
    return joinTokens;
  }

  private BootstrapCredential joinTokenCredential(
      GrpcServerRequest<SignRequest, SignResponse> req, SignRequest msg) {
    if (msg.getJoinToken().isEmpty()) {
      throw new IssuanceException(
          IssuanceException.Reason.UNAUTHENTICATED,
          "join_token: missing (expected: a token from 'fedmesh token create' on the bootstrap"
              + " port, or renew over mTLS with the current SVID)");
    }
    return new JoinTokenCredential(msg.getJoinToken());
  }

  private BootstrapCredential svidCredential(
      GrpcServerRequest<SignRequest, SignResponse> req, SignRequest msg) {
    return new SvidCredential(peerChain(req.connection()));
  }

  /** The verified peer chain of an mTLS connection, leaf first; empty without one. */
  public static List<X509Certificate> peerChain(HttpConnection connection) {
    SSLSession session = connection == null ? null : connection.sslSession();
    if (session == null) {
      return List.of();
    }
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : session.getPeerCertificates()) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  private interface CredentialOf {
    BootstrapCredential of(GrpcServerRequest<SignRequest, SignResponse> req, SignRequest msg);
  }

  private Service service(String via, CredentialOf credentialOf) {
    SvidIssuer issuer = via.equals("renewal") ? renewalIssuer : bootstrapIssuer;
    return new Service() {
      @Override
      public ServiceName name() {
        return CertificateAuthorityGrpcService.SERVICE_NAME;
      }

      @Override
      public Descriptors.ServiceDescriptor descriptor() {
        return CertificateAuthorityGrpcService.SERVICE_DESCRIPTOR;
      }

      @Override
      public void bind(GrpcServer server) {
        server.callHandler(
            CertificateAuthorityGrpcService.Sign,
            req -> req.handler(msg -> sign(req, msg, via, issuer, credentialOf)));
      }
    };
  }

  private void sign(
      GrpcServerRequest<SignRequest, SignResponse> req,
      SignRequest msg,
      String via,
      SvidIssuer issuer,
      CredentialOf credentialOf) {
    MeterRegistry meters = context.meterRegistry();
    Future<List<X509Certificate>> signed =
        context
            .vertx()
            .executeBlocking(
                () -> issuer.issue(csrDer(msg.getCsrPem()), credentialOf.of(req, msg)), false);
    signed.onComplete(
        ar -> {
          if (ar.succeeded()) {
            meters.counter(ISSUED, "via", via).increment();
            req.response().end(response(ar.result()));
            return;
          }
          Throwable t = ar.cause();
          if (t instanceof IssuanceException ie) {
            meters.counter(REFUSED, "via", via, "reason", ie.reason().tag()).increment();
            LOG.info("CA refused a {} request: {}", via, ie.getMessage());
            req.response().status(status(ie)).statusMessage(ie.getMessage()).end();
          } else {
            meters.counter(REFUSED, "via", via, "reason", "internal").increment();
            LOG.warn("CA failed a {} request", via, t);
            req.response()
                .status(GrpcStatus.INTERNAL)
                .statusMessage("signing failed: " + t.getMessage())
                .end();
          }
        });
  }

  private SignResponse response(List<X509Certificate> chain) {
    SignResponse.Builder b =
        SignResponse.newBuilder().setCertificateChainPem(Pem.encodeCertificates(chain));
    for (Map.Entry<io.fedmesh.trust.spiffe.TrustDomain, TrustBundle> e :
        context.bundles().snapshot().entrySet()) {
      b.addBundles(
          TrustBundleDocument.newBuilder()
              .setTrustDomain(e.getKey().name())
              .setBundleJson(BundleCodec.toJson(e.getValue()))
              .setSequence(e.getValue().sequence()));
    }
    return b.build();
  }

  static GrpcStatus status(IssuanceException e) {
    return switch (e.reason()) {
      case UNAUTHENTICATED -> GrpcStatus.UNAUTHENTICATED;
      case NOT_ENTITLED -> GrpcStatus.PERMISSION_DENIED;
      default -> GrpcStatus.INVALID_ARGUMENT;
    };
  }

  /** The DER of a PEM {@code CERTIFICATE REQUEST}. */
  static byte[] csrDer(String pem) {
    try {
      return Pem.csr(pem, "csr_pem").getEncoded();
    } catch (TrustException | java.io.IOException e) {
      throw new IssuanceException(IssuanceException.Reason.MALFORMED_CSR, e.getMessage());
    }
  }

  private void recordExpiry(Catalog catalog, X509Certificate leaf) {
    long left = leaf.getNotAfter().getTime() - context.clock().millis();
    String id;
    try {
      id = SvidVerifier.spiffeIdOf(leaf).toString();
    } catch (RuntimeException e) {
      id = "";
    }
    catalog
        .state(SVID_EXPIRIES)
        .set(
            leaf.getSerialNumber().toString(16),
            Catalog.encode(Map.of("spiffeId", id, "notAfter", leaf.getNotAfter().getTime())),
            Math.max(1, left),
            TimeUnit.MILLISECONDS);
  }
}
