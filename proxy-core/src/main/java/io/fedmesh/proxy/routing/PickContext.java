package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a pick should avoid: endpoints already tried by this request, and localities or clusters
 * that failed as a whole. Exclusions are preferences: when they leave nothing healthy, {@link
 * LocalityLoadBalancer#pick(PickContext)} drops the locality and cluster exclusions first, then the
 * tried endpoints, rather than fail a retry that could still succeed. Immutable; each {@code with*}
 * method returns a new context (retries are rare, so the request path only ever uses {@link
 * #FIRST_TRY}).
 */
public final class PickContext {
  private static final String[] NO_STRINGS = new String[0];
  private static final Locality[] NO_LOCALITIES = new Locality[0];

  /** A first try: nothing excluded. */
  public static final PickContext FIRST_TRY =
      new PickContext(NO_STRINGS, NO_LOCALITIES, NO_LOCALITIES, NO_STRINGS);

  private final String[] triedEndpoints;
  // the locality of each tried endpoint, index by index
  private final Locality[] triedLocalities;
  private final Locality[] avoidedLocalities;
  private final String[] avoidedClusters;

  private PickContext(
      String[] tried, Locality[] triedLocalities, Locality[] localities, String[] clusters) {
    this.triedEndpoints = tried;
    this.triedLocalities = triedLocalities;
    this.avoidedLocalities = localities;
    this.avoidedClusters = clusters;
  }

  /** This context, also avoiding the endpoint with {@code endpoint}'s id. */
  public PickContext withTried(Endpoint endpoint) {
    Locality[] ls = Arrays.copyOf(triedLocalities, triedLocalities.length + 1);
    ls[ls.length - 1] = endpoint.locality();
    return new PickContext(
        append(triedEndpoints, endpoint.id()), ls, avoidedLocalities, avoidedClusters);
  }

  /** This context, also avoiding every endpoint in exactly {@code locality}. */
  public PickContext withAvoidedLocality(Locality locality) {
    Objects.requireNonNull(locality, "locality");
    Locality[] ls = Arrays.copyOf(avoidedLocalities, avoidedLocalities.length + 1);
    ls[ls.length - 1] = locality;
    return new PickContext(triedEndpoints, triedLocalities, ls, avoidedClusters);
  }

  /** This context, also avoiding every endpoint in {@code cluster}. */
  public PickContext withAvoidedCluster(String cluster) {
    return new PickContext(
        triedEndpoints, triedLocalities, avoidedLocalities, append(avoidedClusters, cluster));
  }

  /**
   * The context for the retry after {@code failed} failed as {@code decision} says: {@code failed}
   * is avoided, and so is the failed endpoint's whole cluster if it is a remote gateway summary
   * (every zone of that cluster goes through the same gateway) or its locality if it is local, when
   *
   * <ul>
   *   <li>the decision asks to {@linkplain RetryDecision#avoidLocality() avoid the locality}, or
   *   <li>this is the second endpoint to fail in that locality (cluster, for a summary) for this
   *       request: one failure says little about a locality, two in a row say it is likely down as
   *       a whole (every local app killed at once), and a third try there would waste the last
   *       attempt. Envoy's {@code previous_priorities} retry predicate does the same.
   * </ul>
   */
  public PickContext afterFailure(Endpoint failed, RetryDecision decision) {
    boolean secondFailureThere = triedBesides(failed);
    PickContext next = withTried(failed);
    if (!decision.avoidLocality() && !secondFailureThere) {
      return next;
    }
    return failed.isRemote()
        ? next.withAvoidedCluster(failed.locality().cluster())
        : next.withAvoidedLocality(failed.locality());
  }

  /** Whether nothing is excluded. */
  public boolean isFirstTry() {
    return triedEndpoints.length == 0
        && avoidedLocalities.length == 0
        && avoidedClusters.length == 0;
  }

  boolean hasLocalityExclusions() {
    return avoidedLocalities.length != 0 || avoidedClusters.length != 0;
  }

  boolean hasTried() {
    return triedEndpoints.length != 0;
  }

  boolean tried(Endpoint e) {
    for (String id : triedEndpoints) {
      if (id.equals(e.id())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether an endpoint other than {@code failed} was tried in {@code failed}'s locality, or in its
   * cluster when {@code failed} is a remote summary.
   */
  private boolean triedBesides(Endpoint failed) {
    for (int i = 0; i < triedEndpoints.length; i++) {
      if (triedEndpoints[i].equals(failed.id())) {
        continue;
      }
      Locality l = triedLocalities[i];
      if (failed.isRemote()
          ? l.cluster().equals(failed.locality().cluster())
          : l.equals(failed.locality())) {
        return true;
      }
    }
    return false;
  }

  boolean avoidsLocalityOf(Endpoint e) {
    Locality l = e.locality();
    for (Locality a : avoidedLocalities) {
      if (a.equals(l)) {
        return true;
      }
    }
    for (String c : avoidedClusters) {
      if (c.equals(l.cluster())) {
        return true;
      }
    }
    return false;
  }

  private static String[] append(String[] a, String s) {
    Objects.requireNonNull(s);
    String[] r = Arrays.copyOf(a, a.length + 1);
    r[a.length] = s;
    return r;
  }

  @Override
  public String toString() {
    return "PickContext{tried="
        + Arrays.toString(triedEndpoints)
        + ", avoidedLocalities="
        + Arrays.toString(avoidedLocalities)
        + ", avoidedClusters="
        + Arrays.toString(avoidedClusters)
        + '}';
  }
}
