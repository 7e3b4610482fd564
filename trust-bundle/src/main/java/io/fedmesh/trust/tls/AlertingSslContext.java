package io.fedmesh.trust.tls;

import io.fedmesh.trust.svid.SvidVerificationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * An {@link SslContext} whose handlers answer a first record that is not TLS (plaintext HTTP, a
 * port scanner) with a fatal {@code unexpected_message} alert before closing, where Netty alone
 * would close silently. The client learns it spoke the wrong protocol; the listener is unaffected.
 */
final class AlertingSslContext extends SslContext {
  /** TLS record: alert(21), version 3.3, length 2, fatal(2), unexpected_message(10). */
  private static final byte[] UNEXPECTED_MESSAGE_ALERT = {21, 3, 3, 0, 2, 2, 10};

  private final SslContext delegate;
  private final SpiffeTrustManager trustManager;

  AlertingSslContext(SslContext delegate, SpiffeTrustManager trustManager) {
    this.delegate = delegate;
    this.trustManager = trustManager;
  }

  @Override
  public boolean isClient() {
    return delegate.isClient();
  }

  @Override
  public List<String> cipherSuites() {
    return delegate.cipherSuites();
  }

  @Override
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return delegate.applicationProtocolNegotiator();
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return delegate.newEngine(alloc);
  }

  /**
   * A client engine never resumes: it is made without a peer host and port, the key of both
   * engines' client session caches, and gets its SNI set explicitly. Every connection then presents
   * and checks the current SVIDs; a mesh pools its connections, so full handshakes are rare.
   */
  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    if (!delegate.isClient()) {
      return delegate.newEngine(alloc, peerHost, peerPort);
    }
    SSLEngine engine = delegate.newEngine(alloc);
    if (peerHost != null && isDnsName(peerHost)) {
      SSLParameters params = engine.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(peerHost)));
      engine.setSSLParameters(params);
    }
    return engine;
  }

  /** SNI carries DNS names only, never IP literals (RFC 6066 section 3). */
  static boolean isDnsName(String host) {
    if (host.isEmpty() || host.indexOf(':') >= 0 || host.endsWith(".")) {
      return false;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
      }
    }
    return false;
  }

  @Override
  public SSLSessionContext sessionContext() {
    return delegate.sessionContext();
  }

  @Override
  protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls) {
    return new AlertingSslHandler(newEngine(alloc), startTls, null, trustManager);
  }

  @Override
  protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls, Executor executor) {
    return new AlertingSslHandler(newEngine(alloc), startTls, executor, trustManager);
  }

  @Override
  protected SslHandler newHandler(
      ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls) {
    return new AlertingSslHandler(
        newEngine(alloc, peerHost, peerPort), startTls, null, trustManager);
  }

  @Override
  protected SslHandler newHandler(
      ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls, Executor executor) {
    return new AlertingSslHandler(
        newEngine(alloc, peerHost, peerPort), startTls, executor, trustManager);
  }

  /**
   * Checks the first record once, and re-checks the peer after every completed handshake (resumed
   * sessions skip the trust manager); otherwise a plain {@link SslHandler}.
   */
  static final class AlertingSslHandler extends SslHandler {
    private final SpiffeTrustManager trustManager;
    private boolean firstRecordChecked;

    AlertingSslHandler(
        SSLEngine engine, boolean startTls, Executor executor, SpiffeTrustManager trustManager) {
      super(engine, startTls, executor == null ? Runnable::run : executor);
      this.trustManager = trustManager;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
      super.handlerAdded(ctx);
      if (trustManager != null) {
        handshakeFuture()
            .addListener(
                f -> {
                  if (f.isSuccess()) {
                    recheckPeer(ctx);
                  }
                });
      }
    }

    private void recheckPeer(ChannelHandlerContext ctx) {
      try {
        if (!engine().getUseClientMode()
            && !engine().getNeedClientAuth()
            && !hasPeerCertificates(engine().getSession())) {
          // A listener that does not require a client certificate (e.g. the controller's bootstrap
          // port, ClientAuth.NONE) got none: nothing to re-check. One that was presented is.
          return;
        }
        Certificate[] peer = engine().getSession().getPeerCertificates();
        X509Certificate[] chain = new X509Certificate[peer.length];
        for (int i = 0; i < peer.length; i++) {
          chain[i] = (X509Certificate) peer[i];
        }
        trustManager.recheck(chain);
      } catch (SSLPeerUnverifiedException | SvidVerificationException | ClassCastException e) {
        ctx.close();
      }
    }

    private static boolean hasPeerCertificates(javax.net.ssl.SSLSession session) {
      try {
        Certificate[] peer = session.getPeerCertificates();
        return peer != null && peer.length > 0;
      } catch (SSLPeerUnverifiedException e) {
        return false;
      }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
        throws SSLException {
      if (!firstRecordChecked && in.readableBytes() >= 5) {
        firstRecordChecked = true;
        if (!engine().getUseClientMode() && !isEncrypted(in, false)) {
          ctx.writeAndFlush(Unpooled.wrappedBuffer(UNEXPECTED_MESSAGE_ALERT));
        }
      }
      super.decode(ctx, in, out); // throws NotSslRecordException for the non-TLS case
    }
  }

  /** Wraps a Vert.x context factory so that every context it makes alerts on non-TLS input. */
  static final class Factory implements SslContextFactory {
    private final SslContextFactory delegate;
    private SpiffeTrustManager trustManager;

    Factory(SslContextFactory delegate) {
      this.delegate = delegate;
    }

    @Override
    public SslContextFactory useAlpn(boolean useAlpn) {
      delegate.useAlpn(useAlpn);
      return this;
    }

    @Override
    public SslContextFactory clientAuth(io.netty.handler.ssl.ClientAuth clientAuth) {
      delegate.clientAuth(clientAuth);
      return this;
    }

    @Override
    public SslContextFactory forClient(boolean forClient) {
      delegate.forClient(forClient);
      return this;
    }

    @Override
    public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
      delegate.keyMananagerFactory(kmf);
      return this;
    }

    @Override
    public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
      if (tmf != null) {
        for (TrustManager tm : tmf.getTrustManagers()) {
          if (tm instanceof SpiffeTrustManager) {
            trustManager = (SpiffeTrustManager) tm;
          }
        }
      }
      delegate.trustManagerFactory(tmf);
      return this;
    }

    @Override
    public SslContextFactory enabledCipherSuites(Set<String> suites) {
      delegate.enabledCipherSuites(suites);
      return this;
    }

    @Override
    public SslContextFactory applicationProtocols(List<String> protocols) {
      delegate.applicationProtocols(protocols);
      return this;
    }

    @Override
    public SslContextFactory serverName(String serverName) {
      delegate.serverName(serverName);
      return this;
    }

    @Override
    public SslContext create() throws SSLException {
      return new AlertingSslContext(delegate.create(), trustManager);
    }
  }

  /** BoringSSL engine options with alerting contexts and no session cache. */
  static final class OpenSsl extends OpenSSLEngineOptions {
    OpenSsl() {
      setSessionCacheEnabled(false);
    }

    OpenSsl(OpenSsl other) {
      super(other);
    }

    @Override
    public SslContextFactory sslContextFactory() {
      return new Factory(super.sslContextFactory());
    }

    @Override
    public OpenSsl copy() {
      return new OpenSsl(this);
    }
  }

  /** JDK engine options with alerting contexts. */
  static final class Jdk extends JdkSSLEngineOptions {
    Jdk() {}

    Jdk(Jdk other) {
      super(other);
    }

    @Override
    public SslContextFactory sslContextFactory() {
      return new Factory(super.sslContextFactory());
    }

    @Override
    public Jdk copy() {
      return new Jdk(this);
    }
  }

  /** Engine options whose contexts alert on non-TLS input and whose clients never resume. */
  static SSLEngineOptions engineOptions(boolean openSsl) {
    return openSsl ? new OpenSsl() : new Jdk();
  }
}
