package io.fedmesh.controller.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.proxy.push.ControllerCallException;
import io.fedmesh.proxy.push.SvidClient;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.svid.SvidRenewer;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CA service over real TLS: join tokens issued through one replica's catalog and redeemed on
 * the other's bootstrap listener; renewal with the current SVID over mTLS.
 */
class CaServiceIT {
  /** The controllers' clock; tests move it forward to expire tokens. */
  static final class ShiftedClock extends Clock {
    volatile Duration shift = Duration.ZERO;

    @Override
    public Instant instant() {
      return Clock.systemUTC().instant().plus(shift);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private static final ShiftedClock CLOCK = new ShiftedClock();
  private static ControllerFixture fixture;
  private static CatalogJoinTokens tokens;
  private static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    fixture = ControllerFixture.start("ca-it", 2, b -> b.clock(CLOCK));
    tokens = new CatalogJoinTokens(fixture.first().catalog(), CLOCK);
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    fixture.close();
    vertx.close();
  }

  @AfterEach
  void resetClock() {
    CLOCK.shift = Duration.ZERO;
  }

  private static SpiffeId id(String sa) {
    return fixture.ca.trustDomain().workload("shop", sa);
  }

  private static TrustBundle pinned() {
    return TrustBundle.of(fixture.ca.trustDomain(), List.of(fixture.ca.root()), 1, null);
  }

  /** Bootstraps on the second replica (tokens are issued through the first's catalog). */
  private static Future<SvidClient.Issued> bootstrap(SpiffeId id, String token) {
    return SvidClient.bootstrap(
        vertx,
        List.of(
            SocketAddress.inetSocketAddress(fixture.replicas.get(1).bootstrapPort(), "127.0.0.1")),
        pinned(),
        id,
        token,
        Clock.systemUTC());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static ControllerCallException refusal(Future<?> f) {
    ExecutionException e =
        (ExecutionException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
    assertThat(e).isNotNull();
    assertThat(e.getCause()).isInstanceOf(ControllerCallException.class);
    return (ControllerCallException) e.getCause();
  }

  @Test
  void aJoinTokenBuysAnSvidForItsIdWithTheBundleSet() throws Exception {
    String token = tokens.issue(id("cart"), Duration.ofMinutes(10), 1);
    SvidClient.Issued issued = await(bootstrap(id("cart"), token));
    assertThat(issued.svid().id()).isEqualTo(id("cart"));
    assertThat(issued.bundles())
        .extracting(TrustBundle::trustDomain)
        .contains(fixture.ca.trustDomain());
    assertThat(
            fixture
                .first()
                .catalog()
                .state(CaService.SVID_EXPIRIES)
                .get(issued.svid().leaf().getSerialNumber().toString(16)))
        .contains(id("cart").toString());
  }

  @Test
  void aSingleUseTokenIsRefusedTheSecondTime() throws Exception {
    String token = tokens.issue(id("orders"), Duration.ofMinutes(10), 1);
    await(bootstrap(id("orders"), token));
    ControllerCallException e = refusal(bootstrap(id("orders"), token));
    assertThat(e.status()).isEqualTo("UNAUTHENTICATED");
    assertThat(e.getMessage()).contains("already used");
    assertThat(
            fixture
                .replicas
                .get(1)
                .context()
                .meterRegistry()
                .counter(CaService.REFUSED, "via", "join_token", "reason", "unauthenticated")
                .count())
        .isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void anExpiredTokenIsRefused() throws Exception {
    String token = tokens.issue(id("billing"), Duration.ofMinutes(1), 1);
    CLOCK.shift = Duration.ofMinutes(2);
    ControllerCallException e = refusal(bootstrap(id("billing"), token));
    assertThat(e.status()).isEqualTo("UNAUTHENTICATED");
    assertThat(e.getMessage()).contains("expired at");
  }

  @Test
  void aTokenForAnotherSpiffeIdIsRefusedWithPermissionDenied() throws Exception {
    String token = tokens.issue(id("search"), Duration.ofMinutes(10), 1);
    ControllerCallException e = refusal(bootstrap(id("admin"), token));
    assertThat(e.status()).isEqualTo("PERMISSION_DENIED");
    assertThat(e.getMessage()).contains(id("admin").toString()).contains("entitles only");
  }

  @Test
  void aRequestWithoutATokenIsRefusedAsUnauthenticated() {
    ControllerCallException e = refusal(bootstrap(id("cart"), ""));
    assertThat(e.status()).isEqualTo("UNAUTHENTICATED");
    assertThat(e.getMessage()).contains("join_token: missing");
  }

  @Test
  void anUnknownTokenIsRefused() {
    ControllerCallException e = refusal(bootstrap(id("cart"), "fmjt_not-a-real-token"));
    assertThat(e.status()).isEqualTo("UNAUTHENTICATED");
    assertThat(e.getMessage()).contains("unknown");
  }

  @Test
  void theCurrentSvidRenewsItselfOverMtls() throws Exception {
    String token = tokens.issue(id("renew"), Duration.ofMinutes(10), 1);
    Svid first = await(bootstrap(id("renew"), token)).svid();
    MeshTls tls = MeshTls.builder(first, BundleSet.of(pinned())).build();
    SvidRenewer.SvidSource source =
        SvidClient.renewal(
            vertx,
            tls,
            List.of(SocketAddress.inetSocketAddress(fixture.first().mtlsPort(), "127.0.0.1")));
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (SvidRenewer renewer = SvidRenewer.builder(id("renew"), source, scheduler).build()) {
      Svid renewed = renewer.start().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(renewed.id()).isEqualTo(id("renew"));
      assertThat(renewed.serialHex()).isNotEqualTo(first.serialHex());
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void renewalCannotAskForAnotherId() throws Exception {
    String token = tokens.issue(id("mallory"), Duration.ofMinutes(10), 1);
    Svid mine = await(bootstrap(id("mallory"), token)).svid();
    MeshTls tls = MeshTls.builder(mine, BundleSet.of(pinned())).build();
    SvidRenewer.SvidSource source =
        SvidClient.renewal(
            vertx,
            tls,
            List.of(SocketAddress.inetSocketAddress(fixture.first().mtlsPort(), "127.0.0.1")));
    assertThatThrownBy(
            () ->
                source
                    .sign(
                        io.fedmesh.trust.svid.CertificateRequest.create(
                            id("payments"), io.fedmesh.trust.KeyAlgorithm.EC_P256),
                        mine)
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ControllerCallException.class)
        .hasMessageContaining("PERMISSION_DENIED");
  }
}
