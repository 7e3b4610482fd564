package io.fedmesh.trust.tls;

import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.svid.SvidVerificationException;
import io.fedmesh.trust.svid.SvidVerifier;
import io.fedmesh.trust.svid.VerifiedSvid;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TCPSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Vert.x mTLS options for one workload: its SVID as key material, the SPIFFE verifier over the live
 * bundles as trust, client authentication REQUIRED, TLS 1.3 preferred and TLS 1.2 the floor with
 * AEAD ECDHE suites only.
 *
 * <p>The key manager and trust manager read the current SVID and bundles at every handshake: {@link
 * #updateSvid} and a bundle update take effect on the next handshake, with no listener restart;
 * live connections are not disturbed. Clients never resume a session, and every completed
 * handshake, resumed or not, re-checks the peer against the current bundles, so a peer whose trust
 * domain was removed cannot resume its way back in (CVE-2022-21654); {@link #verifyPeer} re-checks
 * a live connection's peer on demand.
 *
 * <pre>{@code
 * MeshTls tls = MeshTls.builder(svid, bundleSet::get).meterRegistry(registry).build();
 * NetServer server = vertx.createNetServer(tls.configureServer(new NetServerOptions()));
 * server.exceptionHandler(tls.handshakeFailureHandler("inbound"));
 * NetClient client = vertx.createNetClient(tls.configureClient(new NetClientOptions(), expected::equals));
 * }</pre>
 */
public final class MeshTls {
  /** Protocols offered: TLS 1.3 first, 1.2 as the floor. */
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

  /** TLS 1.2 suites allowed (ECDHE with AEAD only); TLS 1.3 suites are all AEAD. */
  public static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** How long a handshake may take before the connection is closed (slowloris bound). */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final SvidKeyManager keyManager;
  private final SvidVerifier verifier;
  private final Function<TrustDomain, Optional<TrustBundle>> bundles;
  private final TlsEngine engine;
  private final TlsMetrics metrics;
  private final Predicate<SpiffeId> inboundAuthorizer;
  private final Duration handshakeTimeout;
  private final KeyCertOptions keyCertOptions;
  private final ServerSSLOptions serverTemplate;

  private MeshTls(Builder b) {
    this.keyManager = new SvidKeyManager(b.svid);
    this.verifier = SvidVerifier.builder(b.bundles).clock(b.clock).clockSkew(b.clockSkew).build();
    this.bundles = b.bundles;
    this.engine = b.engine.resolve();
    this.metrics = new TlsMetrics(b.meterRegistry);
    this.inboundAuthorizer = b.inboundAuthorizer;
    this.handshakeTimeout = b.handshakeTimeout;
    this.keyCertOptions = KeyCertOptions.wrap(keyManager);
    this.serverTemplate =
        applyCommon(new ServerSSLOptions(), List.of())
            .setClientAuth(ClientAuth.REQUIRED)
            .setTrustOptions(
                TrustOptions.wrap(
                    new SpiffeTrustManager(
                        verifier, bundles, inboundAuthorizer, metrics, "server")));
  }

  /**
   * A builder for the workload holding {@code svid}, verifying peers against {@code bundles}
   * (usually {@code bundleSet::get}, read at every handshake).
   */
  public static Builder builder(Svid svid, Function<TrustDomain, Optional<TrustBundle>> bundles) {
    return new Builder(svid, bundles);
  }

  /** A builder over a live {@link BundleSet}: peers are verified against it at every handshake. */
  public static Builder builder(Svid svid, BundleSet bundles) {
    return new Builder(svid, bundles::get);
  }

  /** The engine in use: {@link TlsEngine#OPENSSL} or {@link TlsEngine#JDK}. */
  public TlsEngine engine() {
    return engine;
  }

  /** Engine options to set on the server or client options ({@code setSslEngineOptions}). */
  public SSLEngineOptions engineOptions() {
    return engine.vertxOptions();
  }

  /** Server options: mTLS required, the inbound authorizer applied, ALPN {@code alpn} if any. */
  public ServerSSLOptions serverOptions(List<String> alpn) {
    ServerSSLOptions o = new ServerSSLOptions(serverTemplate);
    if (!alpn.isEmpty()) {
      o.setUseAlpn(true).setApplicationLayerProtocols(alpn);
    }
    return o;
  }

  /**
   * Client options presenting this workload's SVID and accepting a server whose verified SPIFFE ID
   * passes {@code serverAuthorizer} (e.g. {@code id -> id.equals(expected)}). Hostname verification
   * is off: the SPIFFE ID is the identity.
   */
  public ClientSSLOptions clientOptions(Predicate<SpiffeId> serverAuthorizer, List<String> alpn) {
    ClientSSLOptions o =
        applyCommon(new ClientSSLOptions(), alpn)
            .setHostnameVerificationAlgorithm("")
            .setTrustAll(false)
            .setTrustOptions(
                TrustOptions.wrap(
                    new SpiffeTrustManager(
                        verifier, bundles, serverAuthorizer, metrics, "client")));
    return o;
  }

  /**
   * Turns {@code options} (a {@code NetServerOptions} or {@code HttpServerOptions}) into an mTLS
   * server: engine, key material, SPIFFE trust, client auth REQUIRED, protocols and suites.
   */
  public <T extends NetServerOptions> T configureServer(T options) {
    options.setSsl(true);
    options.setSslEngineOptions(engineOptions());
    options.setClientAuth(ClientAuth.REQUIRED);
    applyTcp(options, serverTemplate.getTrustOptions());
    return options;
  }

  /**
   * Turns {@code options} (a {@code NetClientOptions} or {@code HttpClientOptions}) into an mTLS
   * client that accepts servers whose verified ID passes {@code serverAuthorizer}.
   */
  public <T extends ClientOptionsBase> T configureClient(
      T options, Predicate<SpiffeId> serverAuthorizer) {
    options.setSsl(true);
    options.setSslEngineOptions(engineOptions());
    // The SPIFFE ID is the identity: no DNS hostname check.
    if (options instanceof NetClientOptions) {
      ((NetClientOptions) options).setHostnameVerificationAlgorithm("");
    } else if (options instanceof HttpClientOptions) {
      ((HttpClientOptions) options).setVerifyHost(false);
    }
    options.setTrustAll(false);
    applyTcp(
        options,
        TrustOptions.wrap(
            new SpiffeTrustManager(verifier, bundles, serverAuthorizer, metrics, "client")));
    return options;
  }

  /**
   * Turns {@code options} into a server-authenticated TLS server (this SVID, no client certificate
   * asked): the bootstrap listener, where workloads without an SVID yet ask for one. Nothing is
   * verified about the client at the TLS layer; the request itself must authenticate.
   */
  public <T extends NetServerOptions> T configureBootstrapServer(T options) {
    configureServer(options);
    options.setClientAuth(ClientAuth.NONE);
    // No trust manager: with one, every completed handshake re-checks a (missing) client chain.
    options.setTrustOptions(null);
    return options;
  }

  /**
   * Turns {@code options} into a TLS client that presents no certificate and accepts a server whose
   * SVID verifies against {@code bundles} and passes {@code serverAuthorizer}: for bootstrap (a
   * workload with no SVID yet asks the controller's CA for one, pinning the cluster's bundle it got
   * out of band).
   */
  public static <T extends ClientOptionsBase> T configureAnonymousClient(
      T options,
      Function<TrustDomain, Optional<TrustBundle>> bundles,
      Predicate<SpiffeId> serverAuthorizer,
      Clock clock) {
    SvidVerifier verifier = SvidVerifier.builder(bundles).clock(clock).build();
    options.setSsl(true);
    options.setSslEngineOptions(TlsEngine.AUTO.vertxOptions());
    if (options instanceof NetClientOptions) {
      ((NetClientOptions) options).setHostnameVerificationAlgorithm("");
    } else if (options instanceof HttpClientOptions) {
      ((HttpClientOptions) options).setVerifyHost(false);
    }
    options.setTrustAll(false);
    options.setTrustOptions(
        TrustOptions.wrap(
            new SpiffeTrustManager(
                verifier, bundles, serverAuthorizer, new TlsMetrics(null), "client")));
    options.setEnabledSecureTransportProtocols(PROTOCOLS);
    for (String suite : CIPHER_SUITES) {
      options.addEnabledCipherSuite(suite);
    }
    return options;
  }

  private void applyTcp(TCPSSLOptions o, TrustOptions trust) {
    o.setKeyCertOptions(keyCertOptions);
    o.setTrustOptions(trust);
    o.setEnabledSecureTransportProtocols(PROTOCOLS);
    for (String suite : CIPHER_SUITES) {
      o.addEnabledCipherSuite(suite);
    }
    o.setSslHandshakeTimeout(handshakeTimeout.toMillis());
    o.setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  private <T extends io.vertx.core.net.SSLOptions> T applyCommon(T o, List<String> alpn) {
    o.setKeyCertOptions(keyCertOptions);
    o.setEnabledSecureTransportProtocols(PROTOCOLS);
    for (String suite : CIPHER_SUITES) {
      o.addEnabledCipherSuite(suite);
    }
    o.setSslHandshakeTimeout(handshakeTimeout.toMillis());
    o.setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (!alpn.isEmpty()) {
      o.setUseAlpn(true);
      o.setApplicationLayerProtocols(alpn);
    }
    return o;
  }

  /** Swaps the SVID presented from the next handshake on; live connections keep theirs. */
  public void updateSvid(Svid svid) {
    Objects.requireNonNull(svid, "svid");
    keyManager.update(svid);
  }

  /** The SVID presented now. */
  public Svid currentSvid() {
    return keyManager.current();
  }

  /** The verifier, for checks outside a handshake. */
  public SvidVerifier verifier() {
    return verifier;
  }

  /**
   * A handler for a server's {@code exceptionHandler}: counts failed handshakes on {@code listener}
   * in {@code fedmesh.tls.handshake.failures} by reason.
   */
  public Handler<Throwable> handshakeFailureHandler(String listener) {
    return t -> metrics.handshakeFailed(listener, t);
  }

  /**
   * Re-verifies a live session's peer against the current bundles and authorizer.
   *
   * @throws SvidVerificationException when the peer is no longer trusted
   */
  public VerifiedSvid verifyPeer(SSLSession session) {
    VerifiedSvid v = verifier.verify(peerChain(session));
    if (!inboundAuthorizer.test(v.id())) {
      throw new SvidVerificationException(
          SvidVerificationException.Reason.NOT_AUTHORIZED, "peer " + v.id() + " is not authorized");
    }
    return v;
  }

  /** The peer's SPIFFE ID on a session the handshake verified; empty without a peer certificate. */
  public static Optional<SpiffeId> peerId(SSLSession session) {
    if (session != null && session.getValue(PEER_ID) instanceof SpiffeId known) {
      return Optional.of(known);
    }
    List<X509Certificate> chain = peerChain(session);
    if (chain.isEmpty()) {
      return Optional.empty();
    }
    try {
      SpiffeId id = SvidVerifier.spiffeIdOf(chain.get(0));
      // A session's peer certificate never changes: parse its SAN once per connection, not once
      // per request on it.
      session.putValue(PEER_ID, id);
      return Optional.of(id);
    } catch (SvidVerificationException e) {
      return Optional.empty();
    }
  }

  /** The session value under which {@link #peerId} keeps the peer's SPIFFE ID. */
  private static final String PEER_ID = "io.fedmesh.trust.peer-spiffe-id";

  static List<X509Certificate> peerChain(SSLSession session) {
    if (session == null) {
      return List.of();
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      List<X509Certificate> out = new ArrayList<>(certs.length);
      for (Certificate c : certs) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  /** Builds {@link MeshTls}; defaults: engine AUTO, any verified peer allowed inbound. */
  public static final class Builder {
    private final Svid svid;
    private final Function<TrustDomain, Optional<TrustBundle>> bundles;
    private TlsEngine engine = TlsEngine.AUTO;
    private Clock clock = Clock.systemUTC();
    private Duration clockSkew = SvidVerifier.DEFAULT_CLOCK_SKEW;
    private MeterRegistry meterRegistry;
    private Predicate<SpiffeId> inboundAuthorizer = id -> true;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

    Builder(Svid svid, Function<TrustDomain, Optional<TrustBundle>> bundles) {
      this.svid = Objects.requireNonNull(svid, "svid");
      this.bundles = Objects.requireNonNull(bundles, "bundles");
    }

    public Builder engine(TlsEngine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Builder clockSkew(Duration skew) {
      this.clockSkew = Objects.requireNonNull(skew, "clockSkew");
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Which verified client IDs may complete a handshake on server options; finer authorization
     * (method, path) belongs to the proxy.
     */
    public Builder inboundAuthorizer(Predicate<SpiffeId> authorizer) {
      this.inboundAuthorizer = Objects.requireNonNull(authorizer, "inboundAuthorizer");
      return this;
    }

    /** Handshake deadline, 100 ms to 60 s. */
    public Builder handshakeTimeout(Duration timeout) {
      if (timeout.toMillis() < 100 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException(
            "handshakeTimeout: " + timeout + " (expected: 100ms..60s)");
      }
      this.handshakeTimeout = timeout;
      return this;
    }

    public MeshTls build() {
      return new MeshTls(this);
    }
  }
}
