package io.fedmesh.proxy.model;

import java.util.List;
import java.util.Objects;

/**
 * Who may call this workload. Rules are checked in order, DENY rules first; the first match
 * decides; with no match, {@code defaultAction} decides. The default policy allows callers of this
 * mesh's trust domains and federated ones ({@link #ALLOW_MESH}); {@code defaultAction: DENY} makes
 * it default-deny.
 */
public record AuthorizationPolicy(Action defaultAction, List<AuthorizationRule> rules) {
  /** What a rule or the default does. */
  public enum Action {
    ALLOW,
    DENY
  }

  /** Any verified peer of a trusted domain may call: the mesh's default. */
  public static final AuthorizationPolicy ALLOW_MESH =
      new AuthorizationPolicy(Action.ALLOW, List.of());

  public AuthorizationPolicy {
    Objects.requireNonNull(defaultAction, "authorization.defaultAction");
    rules = List.copyOf(rules);
  }
}
