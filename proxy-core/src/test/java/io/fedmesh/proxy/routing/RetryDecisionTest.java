package io.fedmesh.proxy.routing;

import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.WEST;
import static io.fedmesh.proxy.routing.Endpoints.local;
import static io.fedmesh.proxy.routing.Endpoints.remote;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import io.fedmesh.proxy.routing.RetryDecision.Reason;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryDecisionTest {
  private static final Endpoint LOCAL = local("a1", EAST_ZONE_A);
  private static final Endpoint REMOTE = remote(WEST, 4);
  private static final RetryPolicy POLICY = RetryPolicy.DEFAULT; // 2 attempts, 5xx/reset/connect

  private final FakeTicker ticker = new FakeTicker();
  private final RetryBudget ample = RetryBudget.of(100, 1_000, Duration.ofSeconds(10), ticker);

  private RetryDecision decide(String method, UpstreamFailure failure, Endpoint failed) {
    return RetryDecision.decide(
        POLICY, ample, RetryDecision.isIdempotent(method), failure, failed, 0);
  }

  @Test
  void getIsRetriedOn5xx() {
    RetryDecision d = decide("GET", UpstreamFailure.status(500), LOCAL);

    assertThat(d).isEqualTo(new RetryDecision(true, false, Reason.RETRY));
  }

  @Test
  void postIsNotRetriedOn5xx() {
    assertThat(decide("POST", UpstreamFailure.status(503), LOCAL).reason())
        .isEqualTo(Reason.NOT_IDEMPOTENT);
  }

  @Test
  void postMarkedIdempotentIsRetriedOn5xx() {
    RetryDecision d =
        RetryDecision.decide(POLICY, ample, true, UpstreamFailure.status(500), LOCAL, 0);

    assertThat(d.retry()).isTrue();
  }

  @Test
  void postIsRetriedAfterConnectFailureSinceNothingWasSent() {
    assertThat(decide("POST", UpstreamFailure.CONNECT_FAILURE, LOCAL).retry()).isTrue();
  }

  @Test
  void postIsRetriedAfterRefusedStream() {
    assertThat(decide("POST", UpstreamFailure.REFUSED_STREAM, LOCAL).retry()).isTrue();
  }

  @Test
  void postIsNotRetriedAfterReset() {
    assertThat(decide("POST", UpstreamFailure.RESET, LOCAL).reason())
        .isEqualTo(Reason.NOT_IDEMPOTENT);
  }

  @Test
  void patchIsNotRetriedAfterPerTryTimeout() {
    assertThat(decide("PATCH", UpstreamFailure.PER_TRY_TIMEOUT, LOCAL).reason())
        .isEqualTo(Reason.NOT_IDEMPOTENT);
  }

  @Test
  void getIsRetriedAfterPerTryTimeout() {
    assertThat(decide("GET", UpstreamFailure.PER_TRY_TIMEOUT, LOCAL).retry()).isTrue();
  }

  @Test
  void getIsRetriedAfterReset() {
    assertThat(decide("GET", UpstreamFailure.RESET, LOCAL).retry()).isTrue();
  }

  @Test
  void clientErrorIsNotRetried() {
    assertThat(decide("GET", UpstreamFailure.status(404), LOCAL).reason())
        .isEqualTo(Reason.NOT_RETRIABLE);
  }

  @Test
  void listedStatusIsRetriedWithRetryOnStatus() {
    RetryPolicy policy =
        new RetryPolicy(2, Duration.ofSeconds(1), Set.of(RetryOn.STATUS), Set.of(429), 20, 10);

    RetryDecision d =
        RetryDecision.decide(policy, ample, true, UpstreamFailure.status(429), LOCAL, 0);

    assertThat(d.retry()).isTrue();
    assertThat(
            RetryDecision.decide(policy, ample, true, UpstreamFailure.status(500), LOCAL, 0)
                .reason())
        .isEqualTo(Reason.NOT_RETRIABLE);
  }

  @Test
  void connectFailureIsNotRetriedWhenPolicyLeavesItOut() {
    RetryPolicy policy =
        new RetryPolicy(2, Duration.ofSeconds(1), Set.of(RetryOn.SERVER_ERROR), Set.of(), 20, 10);

    RetryDecision d =
        RetryDecision.decide(policy, ample, true, UpstreamFailure.CONNECT_FAILURE, LOCAL, 0);

    assertThat(d.reason()).isEqualTo(Reason.NOT_RETRIABLE);
  }

  @Test
  void connectFailureToRemoteGatewayAvoidsTheLocality() {
    assertThat(decide("GET", UpstreamFailure.CONNECT_FAILURE, REMOTE))
        .isEqualTo(new RetryDecision(true, true, Reason.RETRY));
  }

  @Test
  void status503FromRemoteSummaryAvoidsTheLocality() {
    assertThat(decide("GET", UpstreamFailure.status(503), REMOTE).avoidLocality()).isTrue();
  }

  @Test
  void status500FromRemoteSummaryStaysInTheLocality() {
    RetryDecision d = decide("GET", UpstreamFailure.status(500), REMOTE);

    assertThat(d.retry()).isTrue();
    assertThat(d.avoidLocality()).isFalse();
  }

  @Test
  void connectFailureToLocalEndpointStaysInTheLocality() {
    assertThat(decide("GET", UpstreamFailure.CONNECT_FAILURE, LOCAL).avoidLocality()).isFalse();
  }

  @Test
  void noRetryOnceAttemptsAreUsedUp() {
    RetryDecision second =
        RetryDecision.decide(POLICY, ample, true, UpstreamFailure.status(500), LOCAL, 1);
    RetryDecision third =
        RetryDecision.decide(POLICY, ample, true, UpstreamFailure.status(500), LOCAL, 2);

    assertThat(second.retry()).isTrue();
    assertThat(third.reason()).isEqualTo(Reason.ATTEMPTS_EXHAUSTED);
  }

  @Test
  void noRetryWhenBudgetIsSpent() {
    RetryBudget empty = RetryBudget.of(0, 0, Duration.ofSeconds(10), ticker);

    RetryDecision d =
        RetryDecision.decide(POLICY, empty, true, UpstreamFailure.status(500), LOCAL, 0);

    assertThat(d.reason()).isEqualTo(Reason.BUDGET_EXHAUSTED);
  }

  @Test
  void budgetIsChargedOnlyWhenTheAnswerIsRetry() {
    RetryBudget one = RetryBudget.of(0, 1, Duration.ofSeconds(10), ticker);

    RetryDecision.decide(POLICY, one, false, UpstreamFailure.status(500), LOCAL, 0);
    RetryDecision.decide(POLICY, one, true, UpstreamFailure.status(404), LOCAL, 0);
    RetryDecision.decide(POLICY, one, true, UpstreamFailure.status(500), LOCAL, 2);

    assertThat(
            RetryDecision.decide(POLICY, one, true, UpstreamFailure.status(500), LOCAL, 0).retry())
        .isTrue();
    assertThat(
            RetryDecision.decide(POLICY, one, true, UpstreamFailure.status(500), LOCAL, 0).reason())
        .isEqualTo(Reason.BUDGET_EXHAUSTED);
  }

  @ParameterizedTest(name = "{0} idempotent: {1}")
  @CsvSource({
    "GET, true",
    "HEAD, true",
    "OPTIONS, true",
    "PUT, true",
    "DELETE, true",
    "TRACE, true",
    "POST, false",
    "PATCH, false",
    "CONNECT, false",
    "get, false"
  })
  void idempotentMethods(String method, boolean idempotent) {
    assertThat(RetryDecision.isIdempotent(method)).isEqualTo(idempotent);
  }

  @Test
  void failuresMapToOutlierOutcomes() {
    assertThat(UpstreamFailure.CONNECT_FAILURE.outcome()).isEqualTo(Outcome.GATEWAY_ERROR);
    assertThat(UpstreamFailure.RESET.outcome()).isEqualTo(Outcome.GATEWAY_ERROR);
    assertThat(UpstreamFailure.PER_TRY_TIMEOUT.outcome()).isEqualTo(Outcome.GATEWAY_ERROR);
    assertThat(UpstreamFailure.status(502).outcome()).isEqualTo(Outcome.GATEWAY_ERROR);
    assertThat(UpstreamFailure.status(504).outcome()).isEqualTo(Outcome.GATEWAY_ERROR);
    assertThat(UpstreamFailure.status(500).outcome()).isEqualTo(Outcome.SERVER_ERROR);
    assertThat(UpstreamFailure.status(404).outcome()).isEqualTo(Outcome.SUCCESS);
  }
}
