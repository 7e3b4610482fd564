package io.fedmesh.gateway.sni;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** Crafts ClientHellos byte by byte, well-formed or not, and real ones from the JDK. */
public final class Hellos {
  private Hellos() {}

  /** A whole ClientHello in one record naming {@code sni}. */
  public static byte[] withSni(String sni) {
    return records(handshake(body(extensions(serverName(hostName(sni))))), 1 << 14);
  }

  /** A ClientHello in one record whose extensions add up to about {@code size} bytes of padding. */
  public static byte[] padded(String sni, int size) {
    return records(
        handshake(body(extensions(serverName(hostName(sni)), extension(21, new byte[size])))),
        1 << 14);
  }

  /** A real ClientHello from the JDK's TLS stack. */
  public static byte[] jdk(String sni) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, null, null);
    SSLEngine engine = ctx.createSSLEngine();
    engine.setUseClientMode(true);
    SSLParameters params = engine.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(sni)));
    engine.setSSLParameters(params);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] b = new byte[out.remaining()];
    out.get(b);
    return b;
  }

  /** ClientHello body: version, random, session id, suites, compression, then {@code tail}. */
  public static byte[] body(byte[] extensionsBlock) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(3);
    o.write(3);
    o.writeBytes(new byte[32]);
    o.write(0); // session id
    o.writeBytes(new byte[] {0, 2, 0x13, 0x01}); // one suite
    o.writeBytes(new byte[] {1, 0}); // null compression
    if (extensionsBlock != null) {
      o.writeBytes(extensionsBlock);
    }
    return o.toByteArray();
  }

  /** The extensions block: total length then each extension. */
  public static byte[] extensions(byte[]... exts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] e : exts) {
      o.writeBytes(e);
    }
    return concat(u16(o.size()), o.toByteArray());
  }

  public static byte[] extension(int type, byte[] data) {
    return concat(u16(type), u16(data.length), data);
  }

  /** A server_name extension holding {@code entries}. */
  public static byte[] serverName(byte[]... entries) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] e : entries) {
      o.writeBytes(e);
    }
    return extension(0, concat(u16(o.size()), o.toByteArray()));
  }

  public static byte[] hostName(String name) {
    return nameEntry(0, name.getBytes(StandardCharsets.US_ASCII));
  }

  public static byte[] nameEntry(int type, byte[] name) {
    return concat(new byte[] {(byte) type}, u16(name.length), name);
  }

  /** Handshake header (client_hello) + body. */
  public static byte[] handshake(byte[] body) {
    return concat(new byte[] {1}, u24(body.length), body);
  }

  /** Splits {@code handshake} into handshake records of at most {@code fragment} bytes. */
  public static byte[] records(byte[] handshake, int fragment) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (int i = 0; i < handshake.length; i += fragment) {
      int n = Math.min(fragment, handshake.length - i);
      o.writeBytes(new byte[] {22, 3, 1});
      o.writeBytes(u16(n));
      o.write(handshake, i, n);
    }
    return o.toByteArray();
  }

  public static byte[] u16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  public static byte[] u24(int v) {
    return new byte[] {(byte) (v >> 16), (byte) (v >> 8), (byte) v};
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  public static byte[] prefix(byte[] b, int n) {
    return Arrays.copyOf(b, n);
  }
}
