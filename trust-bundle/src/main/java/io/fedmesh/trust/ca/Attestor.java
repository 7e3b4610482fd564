package io.fedmesh.trust.ca;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Authenticates a {@link BootstrapCredential} and says what it entitles its holder to. Join tokens
 * ({@link JoinTokens}), current SVIDs ({@link SvidAttestor}) and, later, Kubernetes service-account
 * tokens plug in here; {@link #firstOf} dispatches on the credential's type.
 */
@FunctionalInterface
public interface Attestor {
  /**
   * @throws IssuanceException with reason {@code UNAUTHENTICATED} when the credential is not valid,
   *     never another kind of exception
   */
  Entitlement attest(BootstrapCredential credential);

  /** Tries {@code attestors} by the credential's class; a credential of no known class fails. */
  static Attestor byKind(Map<Class<? extends BootstrapCredential>, Attestor> attestors) {
    Map<Class<? extends BootstrapCredential>, Attestor> copy = Map.copyOf(attestors);
    return credential -> {
      Attestor a = credential == null ? null : copy.get(credential.getClass());
      if (a == null) {
        throw new IssuanceException(
            IssuanceException.Reason.UNAUTHENTICATED,
            "credential of kind '"
                + (credential == null ? "none" : credential.kind())
                + "' is not accepted here (expected one of: "
                + kinds(copy)
                + ")");
      }
      return a.attest(credential);
    };
  }

  /** An attestor for {@link OperatorCredential}: any ID in the CA's trust domain. */
  static Attestor operator(Function<OperatorCredential, Entitlement> entitlement) {
    return credential -> entitlement.apply((OperatorCredential) credential);
  }

  private static String kinds(Map<Class<? extends BootstrapCredential>, Attestor> m) {
    List<String> names = new ArrayList<>();
    for (Class<?> c : m.keySet()) {
      names.add(c.getSimpleName());
    }
    names.sort(null);
    return String.join(", ", names);
  }
}
