package io.fedmesh.controller.admin;

import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * The admin API's client, as the CLI and the local runner use it: HTTPS with the operator's SVID
 * (its {@link MeshTls}), accepting only the cluster's controller identity as server. A non-2xx
 * answer fails the future with an {@link AdminException} carrying the status and the server's error
 * message.
 */
public final class ControllerAdminClient implements AutoCloseable {
  /** Default per-request timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client;
  private final String host;
  private final int port;

  /**
   * A client for the controller replica at {@code host:port} (its mTLS listener) of trust domain
   * {@code domain}, presenting {@code operatorTls}'s SVID.
   */
  public ControllerAdminClient(
      Vertx vertx, MeshTls operatorTls, TrustDomain domain, String host, int port) {
    Objects.requireNonNull(domain, "domain");
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
    HttpClientOptions options =
        operatorTls
            .configureClient(
                new HttpClientOptions(), id -> id.equals(SystemIdentities.controller(domain)))
            .setConnectTimeout((int) DEFAULT_TIMEOUT.toMillis());
    this.client = vertx.createHttpClient(options);
  }

  /** A refused admin call. */
  public static final class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    AdminException(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    /** The HTTP status. */
    public int status() {
      return status;
    }
  }

  /** {@code GET /v1/status}. */
  public Future<JsonObject> status() {
    return call(HttpMethod.GET, "/v1/status", null).map(Buffer::toJsonObject);
  }

  /** {@code GET /v1/services}. */
  public Future<JsonArray> services() {
    return call(HttpMethod.GET, "/v1/services", null).map(Buffer::toJsonArray);
  }

  /** {@code GET /v1/gateways}. */
  public Future<JsonArray> gateways() {
    return call(HttpMethod.GET, "/v1/gateways", null).map(Buffer::toJsonArray);
  }

  /** {@code POST /v1/join-tokens}; the token. */
  public Future<String> createJoinToken(String spiffeId, int uses, String ttl) {
    JsonObject body = new JsonObject().put("spiffeId", spiffeId).put("uses", uses).put("ttl", ttl);
    return call(HttpMethod.POST, "/v1/join-tokens", body)
        .map(b -> b.toJsonObject().getString("token"));
  }

  /** {@code PUT /v1/services/{ns}/{name}} with {@code {ports, identities, exported}}. */
  public Future<JsonObject> putService(String namespace, String name, JsonObject service) {
    return call(HttpMethod.PUT, "/v1/services/" + namespace + "/" + name, service)
        .map(Buffer::toJsonObject);
  }

  /** {@code DELETE /v1/services/{ns}/{name}}. */
  public Future<Void> deleteService(String namespace, String name) {
    return call(HttpMethod.DELETE, "/v1/services/" + namespace + "/" + name, null).mapEmpty();
  }

  /** {@code PUT /v1/endpoints/{ns}/{svc}/{id}} with {@code {host, port, region, zone, ...}}. */
  public Future<JsonObject> putEndpoint(
      String namespace, String service, String id, JsonObject endpoint) {
    return call(HttpMethod.PUT, "/v1/endpoints/" + namespace + "/" + service + "/" + id, endpoint)
        .map(Buffer::toJsonObject);
  }

  /** {@code DELETE /v1/endpoints/{ns}/{svc}/{id}}. */
  public Future<Void> deleteEndpoint(String namespace, String service, String id) {
    return call(HttpMethod.DELETE, "/v1/endpoints/" + namespace + "/" + service + "/" + id, null)
        .mapEmpty();
  }

  /** Any call: the response body of a 2xx answer. */
  public Future<Buffer> call(HttpMethod method, String path, JsonObject body) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setHost(host)
            .setPort(port)
            .setURI(path)
            .setIdleTimeout(DEFAULT_TIMEOUT.toMillis());
    return client
        .request(options)
        .compose(
            req -> {
              if (body != null) {
                req.putHeader("content-type", "application/json");
              }
              return (body == null ? req.send() : req.send(body.toBuffer()))
                  .compose(resp -> resp.body().map(b -> new Object[] {resp.statusCode(), b}));
            })
        .compose(
            r -> {
              int status = (Integer) r[0];
              Buffer b = (Buffer) r[1];
              if (status / 100 == 2) {
                return Future.succeededFuture(b);
              }
              String message;
              try {
                message = b.toJsonObject().getString("error", b.toString());
              } catch (RuntimeException e) {
                message = b.toString();
              }
              return Future.failedFuture(new AdminException(status, status + ": " + message));
            });
  }

  @Override
  public void close() {
    client.close();
  }
}
