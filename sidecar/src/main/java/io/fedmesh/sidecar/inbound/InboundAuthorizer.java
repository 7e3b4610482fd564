package io.fedmesh.sidecar.inbound;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationPolicy.Action;
import io.fedmesh.proxy.model.AuthorizationRule;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Decides whether a verified caller may make a request: DENY rules first, then ALLOW rules, first
 * match decides, else the policy's default. Principals match exactly or by a {@code /*} prefix; the
 * trust domain is always compared as a whole (SPIFFE Trust Domain and Bundle 6.4), never by string
 * prefix.
 *
 * <p>A raw TCP connection ({@link #decideConnection}) has no method or path: a rule that lists
 * methods or path prefixes never matches one, whether it allows or denies. So a DENY rule meant for
 * {@code DELETE /admin} does not shut out TCP, and an ALLOW rule for {@code GET /api} does not open
 * it; write principal, trust domain or namespace rules for TCP ports.
 */
final class InboundAuthorizer {
  /** The outcome and why, for the 403 body and the metric. */
  record Decision(boolean allowed, String reason) {}

  private InboundAuthorizer() {}

  static Decision decide(
      AuthorizationPolicy policy, SpiffeId caller, String method, String normalizedPath) {
    String path = stripQuery(normalizedPath);
    return first(policy, caller, rule -> matches(rule, caller, method, path), method + " " + path);
  }

  /** The decision for a raw TCP connection from {@code caller}. */
  static Decision decideConnection(AuthorizationPolicy policy, SpiffeId caller) {
    return first(
        policy,
        caller,
        rule ->
            rule.methods().isEmpty()
                && rule.pathPrefixes().isEmpty()
                && matches(rule, caller, "", ""),
        "connect");
  }

  private static Decision first(
      AuthorizationPolicy policy,
      SpiffeId caller,
      Predicate<AuthorizationRule> matching,
      String what) {
    for (Action pass : new Action[] {Action.DENY, Action.ALLOW}) {
      for (AuthorizationRule rule : policy.rules()) {
        if (rule.action() == pass && matching.test(rule)) {
          return new Decision(
              pass == Action.ALLOW,
              (pass == Action.ALLOW ? "allowed by rule '" : "denied by rule '")
                  + rule.name()
                  + "'");
        }
      }
    }
    return policy.defaultAction() == Action.ALLOW
        ? new Decision(true, "allowed by default")
        : new Decision(false, "no rule allows " + caller + " to " + what);
  }

  private static boolean matches(
      AuthorizationRule rule, SpiffeId caller, String method, String path) {
    return (rule.principals().isEmpty() || anyPrincipal(rule.principals(), caller))
        && (rule.trustDomains().isEmpty()
            || rule.trustDomains().contains(caller.trustDomain().name()))
        && (rule.namespaces().isEmpty()
            || caller.namespace().map(rule.namespaces()::contains).orElse(false))
        && (rule.methods().isEmpty() || containsIgnoreCase(rule.methods(), method))
        && (rule.pathPrefixes().isEmpty() || anyPrefix(rule.pathPrefixes(), path));
  }

  private static boolean anyPrincipal(List<String> patterns, SpiffeId caller) {
    String id = caller.toString();
    for (String p : patterns) {
      if (p.endsWith("/*")) {
        String prefix = p.substring(0, p.length() - 1); // keep the '/'
        if (id.startsWith(prefix) && sameTrustDomain(prefix, caller)) {
          return true;
        }
      } else if (p.equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** {@code spiffe://a.b/*} must not match {@code spiffe://a.b.evil/...}: compare domains whole. */
  private static boolean sameTrustDomain(String prefix, SpiffeId caller) {
    String rest = prefix.substring("spiffe://".length());
    int slash = rest.indexOf('/');
    String domain = slash < 0 ? rest : rest.substring(0, slash);
    return domain.equals(caller.trustDomain().name());
  }

  private static boolean containsIgnoreCase(List<String> methods, String method) {
    String m = method.toUpperCase(Locale.ROOT);
    for (String x : methods) {
      if (x.toUpperCase(Locale.ROOT).equals(m)) {
        return true;
      }
    }
    return false;
  }

  /** Prefixes match on segment boundaries: {@code /api} matches {@code /api} and {@code /api/x}. */
  private static boolean anyPrefix(List<String> prefixes, String path) {
    for (String p : prefixes) {
      if (p.endsWith("/") ? path.startsWith(p) : path.equals(p) || path.startsWith(p + "/")) {
        return true;
      }
    }
    return false;
  }

  private static String stripQuery(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }
}
