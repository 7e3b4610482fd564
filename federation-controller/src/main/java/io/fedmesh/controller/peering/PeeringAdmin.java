package io.fedmesh.controller.peering;

import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * The admin API's peering routes, mounted on the controller's admin router (which authenticates the
 * operator first):
 *
 * <ul>
 *   <li>{@code POST /v1/peering-tokens} with an optional body {@code {"ttl": "PT15M"}} (ISO-8601,
 *       default 15 minutes, at most 7 days) → {@code 201 {"token": "...", "cluster": "...",
 *       "expiresAt": "..."}};
 *   <li>{@code POST /v1/links} with {@code {"token": "..."}} → {@code 201} and the link;
 *   <li>{@code DELETE /v1/links/{cluster}} → {@code 204}, or {@code 404} when not linked.
 * </ul>
 *
 * <p>Refusals answer {@code {"error": "<message>"}} with 400 (malformed), 403 (token unknown, used,
 * expired or wrong secret), 404 (no such link), 409 (self-link, wrong cluster, already linked) or
 * 502 (the other cluster could not be reached).
 */
public final class PeeringAdmin {
  private static final long MAX_BODY_BYTES = 128 * 1024;

  private final Peering peering;

  public PeeringAdmin(Peering peering) {
    this.peering = Objects.requireNonNull(peering, "peering");
  }

  /** Adds the routes to {@code router}. */
  public void install(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
    router.post("/v1/peering-tokens").handler(body).handler(this::issue);
    router.post("/v1/links").handler(body).handler(this::link);
    router.delete("/v1/links/:cluster").handler(this::unlink);
  }

  private void issue(RoutingContext rc) {
    Duration ttl = PeeringTokens.DEFAULT_TTL;
    try {
      JsonObject in = bodyOf(rc);
      if (in.containsKey("ttl")) {
        String text = String.valueOf(in.getValue("ttl"));
        try {
          ttl = Duration.parse(text);
        } catch (DateTimeParseException e) {
          throw PeeringException.invalid(
              "ttl: '" + text + "' (expected: an ISO-8601 duration such as PT15M)");
        }
      }
    } catch (PeeringException e) {
      fail(rc, e);
      return;
    }
    reply(
        rc,
        201,
        peering
            .issueToken(ttl)
            .map(
                t ->
                    new JsonObject()
                        .put("token", t.encode())
                        .put("cluster", t.cluster())
                        .put(
                            "expiresAt",
                            java.time.Instant.ofEpochMilli(t.expiresAtMillis()).toString())));
  }

  private void link(RoutingContext rc) {
    String token;
    try {
      Object value = bodyOf(rc).getValue("token");
      if (!(value instanceof String s) || s.isBlank()) {
        throw PeeringException.invalid("token: missing (expected: the string fedmesh issued)");
      }
      token = s;
    } catch (PeeringException e) {
      fail(rc, e);
      return;
    }
    reply(rc, 201, peering.link(token).map(JsonObject::mapFrom));
  }

  private void unlink(RoutingContext rc) {
    reply(rc, 204, peering.unlink(rc.pathParam("cluster")).map(v -> null));
  }

  private static JsonObject bodyOf(RoutingContext rc) {
    if (rc.body() == null || rc.body().length() == 0) {
      return new JsonObject();
    }
    try {
      JsonObject o = rc.body().asJsonObject();
      return o == null ? new JsonObject() : o;
    } catch (DecodeException | ClassCastException e) {
      throw PeeringException.invalid("body: not a JSON object");
    }
  }

  private static void reply(RoutingContext rc, int status, Future<JsonObject> result) {
    result.onComplete(
        ar -> {
          if (ar.failed()) {
            fail(rc, Peering.asPeering(ar.cause()));
          } else if (ar.result() == null) {
            rc.response().setStatusCode(status).end();
          } else {
            rc.response()
                .setStatusCode(status)
                .putHeader("content-type", "application/json")
                .end(ar.result().encode());
          }
        });
  }

  private static void fail(RoutingContext rc, PeeringException e) {
    rc.response()
        .setStatusCode(e.kind().httpStatus())
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", e.getMessage()).encode());
  }
}
