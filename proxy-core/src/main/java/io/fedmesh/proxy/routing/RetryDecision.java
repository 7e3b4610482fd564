package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import java.util.Objects;

/**
 * Whether to retry a failed try, and where. {@link #decide} checks, in order:
 *
 * <ol>
 *   <li>the failure is one the policy retries on: a connect failure ({@link
 *       RetryOn#CONNECT_FAILURE}); a reset or refused stream ({@link RetryOn#RESET}); a 5xx or a
 *       per-try timeout ({@link RetryOn#SERVER_ERROR}; a timeout counts as the 504 it becomes); a
 *       status listed in {@code retriableStatusCodes} ({@link RetryOn#STATUS});
 *   <li>the request is safe to send again: it is idempotent (GET, HEAD, OPTIONS, PUT, DELETE,
 *       TRACE, or marked idempotent such as a gRPC method declared so), <em>or</em> the failure
 *       proves it was never processed: a connect failure (nothing was sent) or a refused stream
 *       (the peer says it did not act on it). So a POST is retried after a connect failure but not
 *       after a 5xx, a reset or a timeout, where the server may have acted on it;
 *   <li>attempts are left ({@code retriesSoFar < attempts});
 *   <li>the {@link RetryBudget} allows one more retry (charged only when every other check passed).
 * </ol>
 *
 * <p>A retry avoids the failed endpoint, and {@linkplain #avoidLocality() its locality} when the
 * failure was locality-wide: a connect failure or a 503 from a remote gateway summary says the
 * linked cluster (its gateway, or the service there as a whole) is in trouble, not one pod. Feed
 * the decision to {@link PickContext#afterFailure}, which also moves on from a locality where a
 * second endpoint failed for the same request.
 *
 * <p>The proxy must also not retry once it has sent any of the response to its client, nor when the
 * request body was streamed and not kept; those are its concern. Decisions are shared constants:
 * deciding allocates nothing.
 *
 * @param retry whether to retry
 * @param avoidLocality whether the retry should prefer another locality (or cluster)
 * @param reason why, for logs and a {@code reason} meter tag
 */
public record RetryDecision(boolean retry, boolean avoidLocality, Reason reason) {
  /** Why a decision came out as it did. */
  public enum Reason {
    /** Retry. */
    RETRY,
    /** The policy does not retry this failure. */
    NOT_RETRIABLE,
    /** The request may have been processed and is not idempotent. */
    NOT_IDEMPOTENT,
    /** The policy's attempts are used up. */
    ATTEMPTS_EXHAUSTED,
    /** The retry budget is spent. */
    BUDGET_EXHAUSTED
  }

  private static final RetryDecision RETRY = new RetryDecision(true, false, Reason.RETRY);
  private static final RetryDecision RETRY_ELSEWHERE = new RetryDecision(true, true, Reason.RETRY);
  private static final RetryDecision NOT_RETRIABLE =
      new RetryDecision(false, false, Reason.NOT_RETRIABLE);
  private static final RetryDecision NOT_IDEMPOTENT =
      new RetryDecision(false, false, Reason.NOT_IDEMPOTENT);
  private static final RetryDecision ATTEMPTS_EXHAUSTED =
      new RetryDecision(false, false, Reason.ATTEMPTS_EXHAUSTED);
  private static final RetryDecision BUDGET_EXHAUSTED =
      new RetryDecision(false, false, Reason.BUDGET_EXHAUSTED);

  /** Checks that {@code reason} agrees with {@code retry}. */
  public RetryDecision {
    Objects.requireNonNull(reason, "reason");
    if (retry != (reason == Reason.RETRY) || (avoidLocality && !retry)) {
      throw new IllegalArgumentException(
          "retry=" + retry + ", avoidLocality=" + avoidLocality + ", reason=" + reason);
    }
  }

  /**
   * Decides about one failed try.
   *
   * @param policy the service's retry policy
   * @param budget the service's retry budget; charged when the answer is to retry
   * @param idempotent whether the request may be repeated: {@link #isIdempotent(String)} of its
   *     method, or a flag such as a gRPC method's idempotency
   * @param failure how the try failed
   * @param failed the endpoint it was sent to
   * @param retriesSoFar retries this request already made (0 after the first try)
   */
  public static RetryDecision decide(
      RetryPolicy policy,
      RetryBudget budget,
      boolean idempotent,
      UpstreamFailure failure,
      Endpoint failed,
      int retriesSoFar) {
    if (!retriable(policy, failure)) {
      return NOT_RETRIABLE;
    }
    if (!idempotent && !failure.neverProcessed()) {
      return NOT_IDEMPOTENT;
    }
    if (retriesSoFar >= policy.attempts()) {
      return ATTEMPTS_EXHAUSTED;
    }
    if (!budget.tryRetry()) {
      return BUDGET_EXHAUSTED;
    }
    return localityWide(failure, failed) ? RETRY_ELSEWHERE : RETRY;
  }

  /**
   * Whether an HTTP method is idempotent (RFC 9110 §9.2.2): GET, HEAD, OPTIONS, PUT, DELETE and
   * TRACE. Method names are case-sensitive.
   */
  public static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" -> true;
      default -> false;
    };
  }

  private static boolean retriable(RetryPolicy policy, UpstreamFailure failure) {
    return switch (failure.kind()) {
      case CONNECT_FAILURE -> policy.retryOn().contains(RetryOn.CONNECT_FAILURE);
      case RESET, REFUSED_STREAM -> policy.retryOn().contains(RetryOn.RESET);
      case PER_TRY_TIMEOUT -> policy.retryOn().contains(RetryOn.SERVER_ERROR);
      case STATUS ->
          (failure.status() >= 500 && policy.retryOn().contains(RetryOn.SERVER_ERROR))
              || (policy.retryOn().contains(RetryOn.STATUS)
                  && policy.retriableStatusCodes().contains(failure.status()));
    };
  }

  private static boolean localityWide(UpstreamFailure failure, Endpoint failed) {
    if (!failed.isRemote()) {
      return false;
    }
    return failure.kind() == UpstreamFailure.Kind.CONNECT_FAILURE
        || (failure.kind() == UpstreamFailure.Kind.STATUS && failure.status() == 503);
  }
}
