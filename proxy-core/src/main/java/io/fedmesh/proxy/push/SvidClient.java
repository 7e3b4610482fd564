package io.fedmesh.proxy.push;

import io.fedmesh.api.v1.CertificateAuthorityGrpcClient;
import io.fedmesh.api.v1.SignRequest;
import io.fedmesh.api.v1.SignResponse;
import io.fedmesh.api.v1.TrustBundleDocument;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.CertificateRequest;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.svid.SvidRenewer;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A workload's end of the cluster CA ({@code CertificateAuthority.Sign}): the key pair and CSR are
 * made here; only the CSR leaves the process.
 *
 * <ul>
 *   <li>{@link #bootstrap}: with a join token over the controller's bootstrap listener (TLS without
 *       a client certificate), trusting only a server whose SVID is the cluster's {@code
 *       sa/controller} under the bundle the workload got out of band;
 *   <li>{@link #renewal}: an {@link SvidRenewer.SvidSource} that presents the current SVID over the
 *       mTLS listener, for renewal at half-life.
 * </ul>
 *
 * A refusal fails with a {@link ControllerCallException} carrying the gRPC status and the CA's
 * message; an unreachable replica makes the next one be tried.
 */
public final class SvidClient {
  private SvidClient() {}

  /**
   * An SVID and the bundles that came with it.
   *
   * @param svid the new SVID (with its private key)
   * @param bundles this trust domain's bundle and every federated one
   */
  public record Issued(Svid svid, List<TrustBundle> bundles) {}

  /**
   * Gets a first SVID for {@code id} with {@code joinToken} from any of {@code bootstrap} (the
   * controllers' bootstrap listeners), pinning {@code pinned} (the cluster's bundle).
   */
  public static Future<Issued> bootstrap(
      Vertx vertx,
      List<SocketAddress> bootstrap,
      TrustBundle pinned,
      SpiffeId id,
      String joinToken,
      Clock clock) {
    CertificateRequest csr = CertificateRequest.create(id, KeyAlgorithm.EC_P256);
    return bootstrapSign(vertx, bootstrap, pinned, csr, joinToken, clock)
        .map(resp -> issued(csr, resp));
  }

  private static Future<SignResponse> bootstrapSign(
      Vertx vertx,
      List<SocketAddress> bootstrap,
      TrustBundle pinned,
      CertificateRequest csr,
      String joinToken,
      Clock clock) {
    TrustDomain domain = pinned.trustDomain();
    HttpClientOptions options =
        MeshTls.configureAnonymousClient(
                new HttpClientOptions(),
                d -> d.equals(domain) ? Optional.of(pinned) : Optional.empty(),
                s -> s.equals(SystemIdentities.controller(domain)),
                clock)
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setUseAlpn(true)
            .setConnectTimeout(5000);
    GrpcClient client = GrpcClient.client(vertx, options);
    SignRequest req = SignRequest.newBuilder().setCsrPem(csr.pem()).setJoinToken(joinToken).build();
    return sign(client, bootstrap, 0, req, null).andThen(ar -> client.close());
  }

  /**
   * A renewal source: signs over the mTLS listeners {@code controllers} with {@code tls}'s current
   * SVID. Keep the returned source (it holds the client) while renewals run.
   */
  public static SvidRenewer.SvidSource renewal(
      Vertx vertx, MeshTls tls, List<SocketAddress> controllers) {
    GrpcClient client = renewalClient(vertx, tls);
    return (csr, current) ->
        sign(client, controllers, 0, SignRequest.newBuilder().setCsrPem(csr.pem()).build(), null)
            .map(resp -> issued(csr, resp).svid().chain())
            .toCompletionStage();
  }

  private static GrpcClient renewalClient(Vertx vertx, MeshTls tls) {
    TrustDomain domain = tls.currentSvid().id().trustDomain();
    HttpClientOptions options =
        tls.configureClient(
                new HttpClientOptions(), s -> s.equals(SystemIdentities.controller(domain)))
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setUseAlpn(true)
            .setConnectTimeout(5000);
    return GrpcClient.client(vertx, options);
  }

  /**
   * The whole life of a workload's SVID as one {@link SvidRenewer.SvidSource}: the first request
   * (no current SVID) goes to {@code bootstrap} with {@code joinToken}; later ones renew over the
   * mTLS listeners {@code controllers} with {@code tls} (read when first needed: make it from the
   * first SVID). {@code onBundles} hears the bundle set of every response.
   */
  public static SvidRenewer.SvidSource lifecycle(
      Vertx vertx,
      List<SocketAddress> bootstrap,
      TrustBundle pinned,
      String joinToken,
      List<SocketAddress> controllers,
      Supplier<MeshTls> tls,
      Consumer<List<TrustBundle>> onBundles,
      Clock clock) {
    AtomicReference<GrpcClient> renewals = new AtomicReference<>();
    return (csr, current) -> {
      Future<SignResponse> signed;
      if (current == null) {
        signed = bootstrapSign(vertx, bootstrap, pinned, csr, joinToken, clock);
      } else {
        GrpcClient client =
            renewals.updateAndGet(c -> c != null ? c : renewalClient(vertx, tls.get()));
        signed =
            sign(
                client,
                controllers,
                0,
                SignRequest.newBuilder().setCsrPem(csr.pem()).build(),
                null);
      }
      return signed
          .map(
              resp -> {
                Issued issued = issued(csr, resp);
                onBundles.accept(issued.bundles());
                return issued.svid().chain();
              })
          .toCompletionStage();
    };
  }

  private static Future<SignResponse> sign(
      GrpcClient client, List<SocketAddress> targets, int index, SignRequest req, Throwable last) {
    if (index >= targets.size()) {
      return Future.failedFuture(
          last == null ? new IllegalArgumentException("no controller address given") : last);
    }
    SocketAddress target = targets.get(index);
    return call(client, target, req)
        .recover(
            t ->
                t instanceof ControllerCallException
                    ? Future.failedFuture(t)
                    : sign(client, targets, index + 1, req, t));
  }

  private static Future<SignResponse> call(
      GrpcClient client, SocketAddress target, SignRequest req) {
    return client
        .request(target, CertificateAuthorityGrpcClient.Sign)
        .compose(
            r -> {
              Promise<SignResponse> p = Promise.promise();
              r.response()
                  .onSuccess(
                      resp -> {
                        SignResponse[] got = new SignResponse[1];
                        resp.handler(m -> got[0] = m);
                        resp.exceptionHandler(p::tryFail);
                        resp.endHandler(
                            v -> {
                              if (resp.status() == GrpcStatus.OK && got[0] != null) {
                                p.tryComplete(got[0]);
                              } else {
                                p.tryFail(
                                    new ControllerCallException(
                                        resp.status() == null ? "UNKNOWN" : resp.status().name(),
                                        resp.statusMessage() == null ? "" : resp.statusMessage()));
                              }
                            });
                      })
                  .onFailure(p::tryFail);
              r.end(req);
              return p.future();
            });
  }

  private static Issued issued(CertificateRequest csr, SignResponse resp) {
    List<X509Certificate> chain =
        Pem.certificates(resp.getCertificateChainPem(), "CA response certificate_chain_pem");
    Svid svid = Svid.of(csr.keyPair().getPrivate(), chain);
    List<TrustBundle> bundles = new ArrayList<>();
    for (TrustBundleDocument d : resp.getBundlesList()) {
      bundles.add(
          BundleCodec.parse(
              TrustDomain.of(d.getTrustDomain()),
              d.getBundleJson(),
              "CA response bundle " + d.getTrustDomain()));
    }
    return new Issued(svid, bundles);
  }
}
