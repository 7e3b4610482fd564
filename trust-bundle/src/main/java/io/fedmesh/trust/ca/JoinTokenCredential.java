package io.fedmesh.trust.ca;

/**
 * A join token presented by a workload at bootstrap.
 *
 * @param token the secret as issued by {@link JoinTokens#issue}
 */
public record JoinTokenCredential(String token) implements BootstrapCredential {
  @Override
  public String kind() {
    return "join_token";
  }

  @Override
  public String toString() {
    return "JoinTokenCredential[redacted]";
  }
}
