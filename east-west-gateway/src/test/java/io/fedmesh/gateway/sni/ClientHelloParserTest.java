package io.fedmesh.gateway.sni;

import static io.fedmesh.gateway.sni.Hellos.body;
import static io.fedmesh.gateway.sni.Hellos.concat;
import static io.fedmesh.gateway.sni.Hellos.extension;
import static io.fedmesh.gateway.sni.Hellos.extensions;
import static io.fedmesh.gateway.sni.Hellos.handshake;
import static io.fedmesh.gateway.sni.Hellos.hostName;
import static io.fedmesh.gateway.sni.Hellos.nameEntry;
import static io.fedmesh.gateway.sni.Hellos.records;
import static io.fedmesh.gateway.sni.Hellos.serverName;
import static io.fedmesh.gateway.sni.Hellos.u16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.gateway.sni.ClientHelloParser.Result;
import io.fedmesh.gateway.sni.ClientHelloParser.Status;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClientHelloParserTest {
  private static final String SNI = "reviews.default.9080.us-west.fedmesh";
  private static final int MAX = 16 * 1024;

  private static Result parse(byte[] b) {
    return ClientHelloParser.parse(b, b.length, MAX);
  }

  private static byte[] one(byte[] extensionsBlock) {
    return records(handshake(body(extensionsBlock)), 1 << 14);
  }

  private static void assertFails(Result r, Status status, String detail) {
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.detail()).contains(detail);
    assertThat(r.serverName()).isEmpty();
  }

  @Test
  void realJdkClientHelloYieldsItsSni() throws Exception {
    Result r = parse(Hellos.jdk(SNI));
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).contains(SNI);
  }

  @Test
  void craftedHelloYieldsItsSni() {
    Result r = parse(Hellos.withSni(SNI));
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).contains(SNI);
  }

  @Test
  void helloSpanningManyRecordsIsReassembled() {
    byte[] hs =
        handshake(body(extensions(serverName(hostName(SNI)), extension(21, new byte[300]))));
    byte[] wire = records(hs, 7); // the handshake header itself is split across records
    Result r = parse(wire);
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).contains(SNI);
  }

  @Test
  void everyPrefixNeedsMoreAndNeededNeverOvershootsTheHello() {
    byte[] wire = records(handshake(body(extensions(serverName(hostName(SNI))))), 20);
    int parses = 0;
    int needed = 1;
    for (int n = 1; n < wire.length; n++) {
      if (n < needed) {
        continue; // what a caller does: no parse until `needed` bytes are buffered
      }
      parses++;
      Result r = ClientHelloParser.parse(wire, n, MAX);
      assertThat(r.status()).as("prefix %d", n).isEqualTo(Status.NEED_MORE);
      assertThat(r.needed()).isGreaterThan(n).isLessThanOrEqualTo(wire.length);
      needed = r.needed();
    }
    assertThat(parse(wire).serverName()).contains(SNI);
    // One parse per record header and per record, not one per byte.
    int records = (wire.length + 24) / 25;
    assertThat(parses).isLessThanOrEqualTo(2 * records + 2);
  }

  @Test
  void emptyInputNeedsOneByte() {
    Result r = ClientHelloParser.parse(new byte[0], 0, MAX);
    assertThat(r.status()).isEqualTo(Status.NEED_MORE);
    assertThat(r.needed()).isEqualTo(1);
  }

  @Test
  void lengthBeyondArrayIsAProgrammingError() {
    assertThatThrownBy(() -> ClientHelloParser.parse(new byte[3], 4, MAX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("length: 4");
  }

  @Test
  void helloWithoutExtensionsHasNoSni() {
    Result r = parse(one(null));
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).isEmpty();
  }

  @Test
  void helloWithOtherExtensionsOnlyHasNoSni() {
    Result r = parse(one(extensions(extension(10, new byte[] {0, 2, 0, 29}))));
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).isEmpty();
  }

  @Test
  void nonHostNameEntriesAreSkippedAndTheHostNameTaken() {
    byte[] other = nameEntry(7, "opaque".getBytes(StandardCharsets.US_ASCII));
    Result r = parse(one(extensions(serverName(other, hostName(SNI), other))));
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).contains(SNI);
  }

  @Test
  void onlyNonHostNameEntriesMeansNoSni() {
    Result r = parse(one(extensions(serverName(nameEntry(1, new byte[] {1, 2, 3})))));
    assertThat(r.status()).isEqualTo(Status.CLIENT_HELLO);
    assertThat(r.serverName()).isEmpty();
  }

  @Test
  void twoHostNamesAreRefused() {
    Result r = parse(one(extensions(serverName(hostName(SNI), hostName("other.x.1.y.fedmesh")))));
    assertFails(r, Status.MALFORMED_SNI, "more than one host_name");
  }

  @Test
  void serverNameExtensionTwiceIsRefused() {
    Result r =
        parse(one(extensions(serverName(hostName(SNI)), serverName(hostName("a.b.1.c.fedmesh")))));
    assertFails(r, Status.MALFORMED_SNI, "appears twice");
  }

  @Test
  void emptyServerNameExtensionIsRefused() {
    Result r = parse(one(extensions(extension(0, new byte[0]))));
    assertFails(r, Status.MALFORMED_SNI, "server_name extension empty");
  }

  @Test
  void emptyServerNameListIsRefused() {
    Result r = parse(one(extensions(extension(0, u16(0)))));
    assertFails(r, Status.MALFORMED_SNI, "server_name list empty");
  }

  @Test
  void serverNameListLengthLyingIsRefused() {
    byte[] entry = hostName(SNI);
    byte[] data = concat(u16(entry.length + 10), entry);
    Result r = parse(one(extensions(extension(0, data))));
    assertFails(r, Status.MALFORMED_SNI, "server_name list length " + (entry.length + 10));
  }

  @Test
  void hostNameLengthLyingIsRefused() {
    byte[] name = SNI.getBytes(StandardCharsets.US_ASCII);
    byte[] entry = concat(new byte[] {0}, u16(name.length + 5), name); // claims 5 more bytes
    Result r = parse(one(extensions(extension(0, concat(u16(entry.length), entry)))));
    assertFails(r, Status.MALFORMED_SNI, "server_name entry length " + (name.length + 5));
  }

  @Test
  void truncatedNameEntryHeaderIsRefused() {
    Result r = parse(one(extensions(extension(0, concat(u16(2), new byte[] {0, 0})))));
    assertFails(r, Status.MALFORMED_SNI, "entry header truncated");
  }

  @Test
  void emptyHostNameIsRefused() {
    Result r = parse(one(extensions(serverName(nameEntry(0, new byte[0])))));
    assertFails(r, Status.MALFORMED_SNI, "empty host_name");
  }

  @Test
  void nonPrintableHostNameIsRefused() {
    byte[] name = "reviews\0.default.9080.us-west.fedmesh".getBytes(StandardCharsets.ISO_8859_1);
    Result r = parse(one(extensions(serverName(nameEntry(0, name)))));
    assertFails(r, Status.MALFORMED_SNI, "host_name byte 7 is 0");
  }

  @Test
  void extensionLengthLyingIsRefused() {
    byte[] ext = concat(u16(0), u16(500), new byte[] {0, 1, 0}); // claims 500, has 3
    Result r = parse(one(concat(u16(ext.length), ext)));
    assertFails(r, Status.MALFORMED, "extension 0 length 500 but 3 bytes remain");
  }

  @Test
  void extensionsBlockLengthLyingIsRefused() {
    byte[] ext = extension(10, new byte[] {0, 2, 0, 29});
    Result r = parse(one(concat(u16(ext.length + 40), ext)));
    assertFails(r, Status.MALFORMED, "extensions length " + (ext.length + 40));
  }

  @Test
  void trailingBytesAfterExtensionsAreRefused() {
    byte[] ext = extension(10, new byte[] {0, 2, 0, 29});
    Result r = parse(one(concat(u16(ext.length), ext, new byte[] {9, 9})));
    assertFails(r, Status.MALFORMED, "but " + (ext.length + 2) + " bytes remain");
  }

  @Test
  void truncatedExtensionHeaderIsRefused() {
    Result r = parse(one(concat(u16(2), new byte[] {0, 0})));
    assertFails(r, Status.MALFORMED, "ClientHello ends inside extension header");
  }

  @Test
  void sessionIdLongerThan32IsRefused() {
    byte[] b = body(null);
    b[34] = 33;
    Result r = parse(records(handshake(b), 1 << 14));
    assertFails(r, Status.MALFORMED, "session_id length 33");
  }

  @Test
  void oddCipherSuitesLengthIsRefused() {
    byte[] b = body(null);
    b[36] = 3;
    Result r = parse(records(handshake(b), 1 << 14));
    assertFails(r, Status.MALFORMED, "cipher_suites length 3");
  }

  @Test
  void bodyEndingInsideRandomIsRefused() {
    Result r = parse(records(handshake(new byte[] {3, 3, 1, 2, 3}), 1 << 14));
    assertFails(r, Status.MALFORMED, "ClientHello ends inside random");
  }

  @Test
  void plaintextIsNotTls() {
    Result r = parse("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    assertFails(r, Status.NOT_TLS, "first byte 71");
  }

  @Test
  void sslV2HelloIsNotTls() {
    // SSLv2 CLIENT-HELLO: 2-byte header with the high bit set, msg type 1, version 3.1.
    Result r = parse(new byte[] {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15});
    assertFails(r, Status.NOT_TLS, "SSLv2");
  }

  @Test
  void handshakeRecordWithWrongMajorVersionIsNotTls() {
    Result r = parse(new byte[] {22, 9, 1, 0, 5, 1, 0, 0, 1, 0});
    assertFails(r, Status.NOT_TLS, "record version major 9");
  }

  @Test
  void handshakeOtherThanClientHelloIsRefused() {
    byte[] hs = handshake(body(null));
    hs[0] = 2; // server_hello
    Result r = parse(records(hs, 1 << 14));
    assertFails(r, Status.MALFORMED, "handshake type 2");
  }

  @Test
  void alertInterleavedBetweenFragmentsIsRefused() {
    byte[] wire = records(handshake(body(extensions(serverName(hostName(SNI))))), 30);
    byte[] alert = {21, 3, 3, 0, 2, 2, 40};
    byte[] mixed =
        concat(Arrays.copyOf(wire, 35), alert, Arrays.copyOfRange(wire, 35, wire.length));
    Result r = parse(mixed);
    assertFails(r, Status.MALFORMED, "record type 21");
  }

  @Test
  void zeroLengthRecordIsRefused() {
    Result r = parse(new byte[] {22, 3, 1, 0, 0});
    assertFails(r, Status.MALFORMED, "zero-length");
  }

  @Test
  void recordLongerThanTlsAllowsIsRefused() {
    Result r = parse(concat(new byte[] {22, 3, 1}, u16(16385), new byte[] {1, 0, 0, 1}));
    assertFails(r, Status.MALFORMED, "record length 16385");
  }

  @Test
  void hugeAnnouncedHandshakeIsTooLargeAtOnce() {
    // Nine bytes: a record header and a handshake header announcing 16 MiB.
    Result r = parse(new byte[] {22, 3, 1, 1, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertFails(r, Status.TOO_LARGE, "ClientHello of 16777215 bytes");
  }

  @Test
  void recordPastTheLimitIsTooLarge() {
    byte[] wire = Hellos.padded(SNI, 2000);
    Result r = ClientHelloParser.parse(wire, 9, 1024);
    assertFails(r, Status.TOO_LARGE, "limit: 1024");
  }

  @Test
  void helloContinuingPastTheLimitAcrossRecordsIsTooLarge() {
    byte[] hs =
        handshake(body(extensions(serverName(hostName(SNI)), extension(21, new byte[900]))));
    byte[] wire = records(hs, 100); // ~10 records of 105 bytes
    Result r = ClientHelloParser.parse(wire, wire.length, 1000);
    assertThat(r.status()).isEqualTo(Status.TOO_LARGE);
  }

  @Test
  void helloExactlyAtTheLimitIsAccepted() {
    byte[] wire = Hellos.padded(SNI, 500);
    Result r = ClientHelloParser.parse(wire, wire.length, wire.length);
    assertThat(r.serverName()).contains(SNI);
  }

  @Test
  void bytesAfterTheHelloAreIgnored() {
    byte[] wire = concat(Hellos.withSni(SNI), new byte[] {23, 3, 3, 0, 1, 0});
    assertThat(parse(wire).serverName()).contains(SNI);
  }
}
