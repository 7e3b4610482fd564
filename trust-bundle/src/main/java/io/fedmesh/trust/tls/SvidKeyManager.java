package io.fedmesh.trust.tls;

import io.fedmesh.trust.svid.Svid;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the current SVID at every handshake, so a renewed SVID is used by the next handshake
 * with no listener restart. Each SVID gets its own alias (its serial), and the previous one stays
 * resolvable for a handshake that chose it just before a swap.
 */
final class SvidKeyManager extends X509ExtendedKeyManager {
  private static final class Entry {
    final Svid svid;
    final String alias;
    final X509Certificate[] chain;

    Entry(Svid svid) {
      this.svid = svid;
      this.alias = "svid-" + svid.serialHex();
      this.chain = svid.chain().toArray(new X509Certificate[0]);
    }
  }

  /**
   * The current entry and the one it replaced, swapped as one: a handshake that chose the old alias
   * just before an update always finds it, whichever thread runs when. (Two fields written one
   * after the other left a window, between the writes, in which the old alias resolved to nothing
   * and the handshake went out without a certificate.)
   */
  private record Entries(Entry current, Entry previous) {}

  private final AtomicReference<Entries> entries;

  SvidKeyManager(Svid initial) {
    this.entries = new AtomicReference<>(new Entries(new Entry(initial), null));
  }

  void update(Svid svid) {
    Entry next = new Entry(svid);
    // The same SVID again (same serial) keeps the previous one resolvable.
    entries.updateAndGet(
        e -> new Entries(next, e.current().alias.equals(next.alias) ? e.previous() : e.current()));
  }

  Svid current() {
    return entries.get().current().svid;
  }

  private String aliasFor(String keyType) {
    Entry e = entries.get().current();
    return keyType == null || matches(e.svid.privateKey().getAlgorithm(), keyType) ? e.alias : null;
  }

  private String aliasForAny(String[] keyTypes) {
    if (keyTypes == null) {
      return entries.get().current().alias;
    }
    for (String t : keyTypes) {
      String a = aliasFor(t);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  /** JDK key types are "EC", "RSA", "RSASSA-PSS"; OpenSSL's are "EC", "EC_EC", "RSA", ... */
  static boolean matches(String keyAlgorithm, String keyType) {
    if (keyAlgorithm.equals("EC")) {
      return keyType.startsWith("EC");
    }
    return keyType.equals("RSA")
        || keyType.equals("RSASSA-PSS")
        || keyType.equals("DHE_RSA")
        || keyType.equals("ECDHE_RSA");
  }

  private Entry entry(String alias) {
    Entries e = entries.get();
    if (e.current().alias.equals(alias)) {
      return e.current();
    }
    Entry p = e.previous();
    return p != null && p.alias.equals(alias) ? p : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = aliasFor(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return aliasForAny(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return aliasForAny(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Entry e = entry(alias);
    return e == null ? null : e.chain.clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Entry e = entry(alias);
    return e == null ? null : e.svid.privateKey();
  }
}
