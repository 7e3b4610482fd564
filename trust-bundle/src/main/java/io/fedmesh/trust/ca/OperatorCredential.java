package io.fedmesh.trust.ca;

/**
 * The operator who holds the CA key on this machine (the {@code fedmesh ca issue} command). It is
 * only ever made in-process by code that has already read the CA key; no network request decodes
 * into it.
 *
 * @param operator who is acting, for the audit message
 */
public record OperatorCredential(String operator) implements BootstrapCredential {
  @Override
  public String kind() {
    return "operator";
  }
}
