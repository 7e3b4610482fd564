package io.fedmesh.trust.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.svid.Svid;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

/** Which SVID a handshake gets from the key manager around a renewal. */
class SvidKeyManagerTest {
  private final CertificateAuthority ca = Mesh.ca("us-east.fedmesh.local");
  private final Svid first = Mesh.svid(ca, "/ns/default/sa/frontend");
  private final Svid second = Mesh.svid(ca, "/ns/default/sa/frontend");
  private final Svid third = Mesh.svid(ca, "/ns/default/sa/frontend");
  private final SvidKeyManager km = new SvidKeyManager(first);

  private static void assertResolvesTo(SvidKeyManager km, String alias, Svid svid) {
    X509Certificate[] chain = km.getCertificateChain(alias);
    assertThat(chain).as("chain of %s", alias).isNotNull();
    assertThat(chain[0]).isEqualTo(svid.leaf());
    assertThat(km.getPrivateKey(alias)).isEqualTo(svid.privateKey());
  }

  @Test
  void aHandshakeThatChoseTheOldAliasJustBeforeARenewalStillGetsTheOldPair() {
    String chosen = km.chooseEngineClientAlias(new String[] {"EC"}, null, null);
    km.update(second);
    // the handshake goes on with the alias it chose: the old chain and its own key, never a mix
    assertResolvesTo(km, chosen, first);
    assertThat(km.chooseEngineClientAlias(new String[] {"EC"}, null, null)).isNotEqualTo(chosen);
    assertResolvesTo(km, km.chooseEngineServerAlias("EC", null, null), second);
    assertThat(km.current()).isSameAs(second);
  }

  @Test
  void onlyTheDirectlyPreviousSvidStaysResolvable() {
    String firstAlias = km.chooseEngineServerAlias("EC", null, null);
    km.update(second);
    String secondAlias = km.chooseEngineServerAlias("EC", null, null);
    km.update(third);
    assertResolvesTo(km, secondAlias, second);
    assertResolvesTo(km, km.chooseEngineServerAlias("EC", null, null), third);
    assertThat(km.getCertificateChain(firstAlias)).isNull();
    assertThat(km.getPrivateKey(firstAlias)).isNull();
  }

  @Test
  void keyTypesThatDoNotMatchTheKeyGetNoAlias() {
    assertThat(km.chooseEngineServerAlias("RSA", null, null)).isNull();
    assertThat(km.chooseEngineClientAlias(new String[] {"RSA", "EC_EC"}, null, null)).isNotNull();
    assertThat(km.getClientAliases("RSA", null)).isNull();
  }
}
