package io.fedmesh.mirror;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.controller.peering.RemoteExports;
import io.fedmesh.mirror.MirrorEvent.ClusterUnlinked;
import io.fedmesh.mirror.MirrorEvent.LinkLost;
import io.fedmesh.mirror.MirrorEvent.LinkRecovered;
import io.fedmesh.mirror.MirrorEvent.LocalServiceChanged;
import io.fedmesh.mirror.MirrorEvent.RemoteServiceExported;
import io.fedmesh.mirror.MirrorEvent.RemoteServiceUnexported;
import io.fedmesh.mirror.MirrorEvent.Resync;
import io.fedmesh.proxy.model.Durations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service mirror: turns linked clusters' export sets (stored by peering as {@link
 * RemoteExports}) into this cluster's catalog imports, which the push turns into {@code
 * svc-<cluster>} and the clusterset-wide {@code svc}. See the {@linkplain io.fedmesh.mirror package
 * documentation} for the rules.
 *
 * <pre>{@code
 * ServiceMirror mirror = ServiceMirror.builder(catalog).leader(ctx::isLeader).build();
 * mirror.start();
 * }</pre>
 *
 * <h2>Metrics</h2>
 *
 * <ul>
 *   <li>{@value #METRIC_EVENTS} (counter): events handled, tag {@code type} (the event's simple
 *       name);
 *   <li>{@value #METRIC_CLASHES} (counter): exports refused for a clash or bad content, tag {@code
 *       type} ({@code NameClash}, {@code PortClash}, {@code InvalidExport}), counted when a
 *       condition first appears;
 *   <li>{@value #METRIC_IMPORTS} (gauge): imports in the catalog after the last resync;
 *   <li>{@value #METRIC_SINK_FAILURES} (counter): {@link MirrorSink} calls that failed.
 * </ul>
 */
public final class ServiceMirror implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMirror.class);

  /** Counter of handled events by {@code type}. */
  public static final String METRIC_EVENTS = "fedmesh.mirror.events";

  /** Counter of refused exports by condition {@code type}. */
  public static final String METRIC_CLASHES = "fedmesh.mirror.clashes";

  /** Gauge of imports held. */
  public static final String METRIC_IMPORTS = "fedmesh.mirror.imports";

  /** Counter of failed sink calls. */
  public static final String METRIC_SINK_FAILURES = "fedmesh.mirror.sink.failures";

  /** How long a lost peering stream or gateway is tolerated before imports become unreachable. */
  public static final Duration DEFAULT_LOST_BOUND = Duration.ofSeconds(3);

  /** Full re-decision interval (also how soon a new leader catches up). */
  public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(5);

  /** Condition type for an export whose content is not valid (names, ports, protocols). */
  public static final String INVALID_EXPORT = "InvalidExport";

  /** Attempts for an event that failed on a retryable (Hazelcast) error. */
  static final int MAX_ATTEMPTS = 3;

  private static final String DNS_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
  private static final Set<String> PROTOCOLS = Set.of("http", "grpc", "tcp");

  private final Catalog catalog;
  private final Clock clock;
  private final Duration lostBound;
  private final Duration resyncInterval;
  private final BooleanSupplier leader;
  private final MeterRegistry registry;
  private final MirrorSink sink;
  private final AtomicInteger importCount = new AtomicInteger();
  private ScheduledExecutorService loop;
  private List<UUID> catalogListener;
  private UUID exportsListener;

  private ServiceMirror(Builder b) {
    this.catalog = b.catalog;
    this.clock = b.clock;
    this.lostBound = b.lostBound;
    this.resyncInterval = b.resyncInterval;
    this.leader = b.leader;
    this.registry = b.registry;
    this.sink = b.sink;
    registry.gauge(METRIC_IMPORTS, importCount);
  }

  /** A builder of the mirror over {@code catalog}. */
  public static Builder builder(Catalog catalog) {
    return new Builder(catalog);
  }

  /** Starts watching the catalog and the loop; a resync runs at once. */
  public synchronized void start() {
    if (loop != null) {
      throw new IllegalStateException("service mirror already started");
    }
    loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fedmesh-service-mirror");
              t.setDaemon(true);
              return t;
            });
    catalogListener = catalog.onChange(this::catalogChanged);
    exportsListener =
        catalog
            .state(RemoteExports.STATE_MAP)
            .addEntryListener(new ExportsListener(this::exportsChanged), false);
    long every = resyncInterval.toMillis();
    loop.scheduleWithFixedDelay(() -> submit(new Resync()), 0, every, TimeUnit.MILLISECONDS);
  }

  /** Stops the loop and the watches; imports stay in the catalog. */
  @Override
  public synchronized void close() {
    if (loop == null) {
      return;
    }
    catalog.removeListener(catalogListener);
    catalog.state(RemoteExports.STATE_MAP).removeEntryListener(exportsListener);
    loop.shutdownNow();
    loop = null;
  }

  /** Queues an event for the loop. */
  public void submit(MirrorEvent event) {
    submit(event, 1);
  }

  private void submit(MirrorEvent event, int attempt) {
    ScheduledExecutorService l = loop;
    if (l == null || l.isShutdown()) {
      return;
    }
    l.execute(() -> process(event, attempt));
  }

  private void later(Runnable r, long delayMillis) {
    ScheduledExecutorService l = loop;
    if (l != null && !l.isShutdown()) {
      l.schedule(r, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }
  }

  // ---- catalog callbacks: Hazelcast threads, never block; hand over to the loop -----------------

  private void catalogChanged(Catalog.Change change) {
    switch (change.map()) {
      case Catalog.LINKS, Catalog.GATEWAYS -> {
        ScheduledExecutorService l = loop;
        if (l != null && !l.isShutdown()) {
          l.execute(() -> linkOrGatewayChanged(change.key()));
        }
      }
      case Catalog.SERVICES -> {
        int slash = change.key().indexOf('/');
        if (slash > 0) {
          submit(
              new LocalServiceChanged(
                  change.key().substring(0, slash), change.key().substring(slash + 1)));
        }
      }
      default -> {
        // imports are ours; endpoints, policies, bundles, proxies do not change imports
      }
    }
  }

  private void exportsChanged(String cluster) {
    ScheduledExecutorService l = loop;
    if (l != null && !l.isShutdown()) {
      l.execute(() -> guarded(() -> diffExports(cluster)));
    }
  }

  // ---- on the loop: from catalog state to events ------------------------------------------------

  private void linkOrGatewayChanged(String cluster) {
    guarded(
        () -> {
          Optional<LinkEntry> link = catalog.link(cluster);
          if (link.isEmpty()) {
            if (!catalog.imports(cluster).isEmpty() || hasConditions(cluster)) {
              process(new ClusterUnlinked(cluster), 1);
            }
            return;
          }
          Optional<Long> lostSince = lostSince(link.get(), catalog.gateway(cluster));
          if (lostSince.isPresent()) {
            process(new LinkLost(cluster, lostSince.get(), lossReason(link.get(), cluster)), 1);
          } else if ("connected".equals(link.get().state())) {
            process(new LinkRecovered(cluster), 1);
          }
        });
  }

  /** Diffs a cluster's received export set against what is imported from it. */
  private void diffExports(String cluster) {
    if (catalog.link(cluster).isEmpty()) {
      return;
    }
    List<ImportEntry> offered =
        RemoteExports.of(catalog, cluster).map(RemoteExports::services).orElse(List.of());
    Map<String, ImportEntry> held = new HashMap<>();
    for (ImportEntry i : catalog.imports(cluster)) {
      held.put(Catalog.serviceKey(i.namespace(), i.name()), i);
    }
    Set<String> conditioned = new TreeSet<>();
    for (MirrorCondition c : MirrorCondition.all(catalog)) {
      if (c.cluster().equals(cluster)) {
        conditioned.add(Catalog.serviceKey(c.namespace(), c.name()));
      }
    }
    Set<String> seen = new TreeSet<>();
    for (ImportEntry o : offered) {
      String key = Catalog.serviceKey(o.namespace(), o.name());
      seen.add(key);
      ImportEntry h = held.get(key);
      if (h == null || !sameContent(h, o) || conditioned.contains(key)) {
        process(new RemoteServiceExported(o), 1);
      }
    }
    Set<String> gone = new TreeSet<>(held.keySet());
    gone.addAll(conditioned);
    gone.removeAll(seen);
    for (String key : gone) {
      int slash = key.indexOf('/');
      process(
          new RemoteServiceUnexported(cluster, key.substring(0, slash), key.substring(slash + 1)),
          1);
    }
  }

  // ---- the loop's one entry point ---------------------------------------------------------------

  private void process(MirrorEvent event, int attempt) {
    if (!leader.getAsBoolean()) {
      return;
    }
    try {
      handle(event);
      registry.counter(METRIC_EVENTS, "type", event.getClass().getSimpleName()).increment();
    } catch (HazelcastException e) {
      if (attempt < MAX_ATTEMPTS) {
        LOG.debug("mirror event {} failed ({}), retrying", event, e.getMessage());
        later(() -> process(event, attempt + 1), 200L * attempt);
      } else {
        LOG.warn("mirror event {} failed {} times, left to the next resync", event, attempt, e);
      }
    } catch (RuntimeException e) {
      LOG.error("mirror event {} failed, left to the next resync", event, e);
    }
  }

  private void guarded(Runnable r) {
    if (!leader.getAsBoolean()) {
      return;
    }
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.warn("service mirror: {}", e.getMessage(), e);
    }
  }

  private void handle(MirrorEvent event) {
    View v = read();
    // One branch per event type (Java 17: no pattern switch).
    if (event instanceof RemoteServiceExported e) {
      reconcileName(v, e.service().namespace(), e.service().name());
    } else if (event instanceof RemoteServiceUnexported e) {
      reconcileName(v, e.namespace(), e.name());
    } else if (event instanceof ClusterUnlinked e) {
      LOG.info("cluster {} unlinked: removing its imports", e.cluster());
      reconcileCluster(v, e.cluster());
    } else if (event instanceof LinkLost e) {
      long due = e.sinceMillis() + lostBound.toMillis() - clock.millis();
      if (due > 0) {
        LOG.info(
            "cluster {} lost ({}): imports unreachable in {} ms unless it recovers",
            e.cluster(),
            e.reason(),
            due);
        later(() -> guarded(() -> reconcileCluster(read(), e.cluster())), due + 1);
      }
      reconcileCluster(v, e.cluster());
    } else if (event instanceof LinkRecovered e) {
      reconcileCluster(v, e.cluster());
    } else if (event instanceof LocalServiceChanged e) {
      reconcileName(v, e.namespace(), e.name());
      for (String cluster : v.links.keySet()) {
        String suffix = "-" + cluster;
        if (e.name().endsWith(suffix) && e.name().length() > suffix.length()) {
          reconcileName(
              v, e.namespace(), e.name().substring(0, e.name().length() - suffix.length()));
        }
      }
    } else if (event instanceof Resync) {
      resync(v);
    }
  }

  /**
   * What one event's decisions read, read once (a resync is then linear in the catalog's size, not
   * quadratic). Names are decided independently, so a view stays valid through one event.
   */
  private static final class View {
    final Map<String, LinkEntry> links = new TreeMap<>();
    final Map<String, RemoteExports> exports = new HashMap<>();
    final Map<String, GatewayEntry> gateways = new TreeMap<>();
    final Map<String, List<ImportEntry>> imports = new HashMap<>();
    final Map<String, List<MirrorCondition>> conditions = new HashMap<>();

    List<ImportEntry> imports(String namespace, String name) {
      return imports.getOrDefault(Catalog.serviceKey(namespace, name), List.of());
    }

    List<MirrorCondition> conditions(String namespace, String name) {
      return conditions.getOrDefault(Catalog.serviceKey(namespace, name), List.of());
    }

    Optional<ImportEntry> offered(String cluster, String namespace, String name) {
      RemoteExports r = exports.get(cluster);
      if (r == null) {
        return Optional.empty();
      }
      return r.services().stream()
          .filter(s -> s.namespace().equals(namespace) && s.name().equals(name))
          .findFirst();
    }

    /** Every service name this view knows of from {@code cluster}, or from all when null. */
    Set<String> names(String cluster) {
      Set<String> names = new TreeSet<>();
      for (List<ImportEntry> held : imports.values()) {
        for (ImportEntry i : held) {
          if (cluster == null || i.cluster().equals(cluster)) {
            names.add(Catalog.serviceKey(i.namespace(), i.name()));
          }
        }
      }
      for (RemoteExports r : exports.values()) {
        if (cluster == null || r.cluster().equals(cluster)) {
          r.services().forEach(s -> names.add(Catalog.serviceKey(s.namespace(), s.name())));
        }
      }
      for (List<MirrorCondition> held : conditions.values()) {
        for (MirrorCondition c : held) {
          if (cluster == null || c.cluster().equals(cluster)) {
            names.add(Catalog.serviceKey(c.namespace(), c.name()));
          }
        }
      }
      return names;
    }
  }

  private View read() {
    View v = new View();
    for (LinkEntry l : catalog.links()) {
      v.links.put(l.cluster(), l);
    }
    for (RemoteExports r : RemoteExports.all(catalog)) {
      if (v.links.containsKey(r.cluster())) {
        v.exports.put(r.cluster(), r);
      }
    }
    for (GatewayEntry g : catalog.gateways()) {
      v.gateways.put(g.cluster(), g);
    }
    for (ImportEntry i : catalog.imports()) {
      v.imports
          .computeIfAbsent(Catalog.serviceKey(i.namespace(), i.name()), k -> new ArrayList<>())
          .add(i);
    }
    for (MirrorCondition c : MirrorCondition.all(catalog)) {
      v.conditions
          .computeIfAbsent(Catalog.serviceKey(c.namespace(), c.name()), k -> new ArrayList<>())
          .add(c);
    }
    return v;
  }

  private void resync(View v) {
    for (String key : v.names(null)) {
      int slash = key.indexOf('/');
      reconcileName(v, key.substring(0, slash), key.substring(slash + 1));
    }
    List<ImportEntry> all = catalog.imports();
    importCount.set(all.size());
    if (sink != null) {
      try {
        sink.resync(all, v.gateways);
      } catch (RuntimeException e) {
        sinkFailed("resync", e);
      }
    }
  }

  private void reconcileCluster(View v, String cluster) {
    for (String key : v.names(cluster)) {
      int slash = key.indexOf('/');
      reconcileName(v, key.substring(0, slash), key.substring(slash + 1));
    }
  }

  /**
   * Decides the imports of one service name across every linked cluster: what is imported, with
   * which reachability, and which exports are refused with a condition.
   */
  private void reconcileName(View v, String namespace, String name) {
    long now = clock.millis();
    Optional<ServiceEntry> local = catalog.service(namespace, name);
    List<PortEntry> reference = local.map(ServiceEntry::ports).orElse(null);
    String referenceSource = "the local service " + Catalog.serviceKey(namespace, name);
    Map<String, ImportEntry> accepted = new TreeMap<>();
    Map<String, MirrorCondition> conditions = new TreeMap<>();
    for (LinkEntry link : v.links.values()) {
      String cluster = link.cluster();
      Optional<ImportEntry> offered = v.offered(cluster, namespace, name);
      if (offered.isEmpty()) {
        continue;
      }
      ImportEntry o = offered.get();
      String invalid = invalid(o);
      if (invalid != null) {
        conditions.put(cluster, condition(v, INVALID_EXPORT, o, invalid, now));
        continue;
      }
      String perCluster = name + "-" + cluster;
      if (catalog.service(namespace, perCluster).isPresent()) {
        conditions.put(
            cluster,
            condition(
                v,
                MirrorCondition.NAME_CLASH,
                o,
                "the local service "
                    + Catalog.serviceKey(namespace, perCluster)
                    + " has the name the import of "
                    + Catalog.serviceKey(namespace, name)
                    + " from "
                    + cluster
                    + " would get ("
                    + perCluster
                    + "."
                    + namespace
                    + ".svc.clusterset.local); not imported: rename the local service or stop"
                    + " exporting "
                    + name
                    + " from "
                    + cluster,
                now));
        continue;
      }
      if (reference != null) {
        String why = incompatibility(reference, o.ports());
        if (why != null) {
          conditions.put(
              cluster,
              condition(
                  v,
                  MirrorCondition.PORT_CLASH,
                  o,
                  Catalog.serviceKey(namespace, name)
                      + " from "
                      + cluster
                      + " has ports "
                      + describe(o.ports())
                      + ", incompatible with "
                      + referenceSource
                      + " ("
                      + describe(reference)
                      + "): "
                      + why
                      + "; not imported, so "
                      + name
                      + "."
                      + namespace
                      + ".svc.clusterset.local does not merge them",
                  now));
          continue;
        }
      } else {
        reference = o.ports();
        referenceSource = "the import from " + cluster;
      }
      accepted.put(
          cluster,
          new ImportEntry(
              cluster,
              namespace,
              name,
              o.ports(),
              o.identities(),
              o.localities(),
              reachable(v, link, now)));
    }
    apply(v, namespace, name, accepted, conditions);
  }

  private void apply(
      View v,
      String namespace,
      String name,
      Map<String, ImportEntry> accepted,
      Map<String, MirrorCondition> conditions) {
    Map<String, ImportEntry> heldByCluster = new HashMap<>();
    for (ImportEntry held : v.imports(namespace, name)) {
      heldByCluster.put(held.cluster(), held);
      if (!accepted.containsKey(held.cluster())) {
        catalog.removeImport(held);
        importCount.decrementAndGet();
        LOG.info("import {} removed", held.key());
        if (sink != null) {
          try {
            sink.removed(held);
          } catch (RuntimeException e) {
            sinkFailed("removed", e);
          }
        }
      }
    }
    for (ImportEntry want : accepted.values()) {
      ImportEntry held = heldByCluster.get(want.cluster());
      if (want.equals(held)) {
        continue;
      }
      catalog.putImport(want);
      if (held == null) {
        importCount.incrementAndGet();
        LOG.info("imported {}", want.key());
      } else if (held.reachable() != want.reachable()) {
        LOG.info("import {} is {}", want.key(), want.reachable() ? "reachable" : "unreachable");
      }
      if (sink != null) {
        try {
          sink.imported(want, v.gateways.get(want.cluster()));
        } catch (RuntimeException e) {
          sinkFailed("imported", e);
        }
      }
    }
    var stored = catalog.state(MirrorCondition.STATE_MAP);
    Map<String, MirrorCondition> heldConditions = new HashMap<>();
    for (MirrorCondition held : v.conditions(namespace, name)) {
      heldConditions.put(held.cluster(), held);
      if (!conditions.containsKey(held.cluster())) {
        stored.delete(held.key());
        LOG.info("condition {} on {} cleared", held.type(), held.key());
      }
    }
    for (MirrorCondition c : conditions.values()) {
      MirrorCondition held = heldConditions.get(c.cluster());
      if (held != null && held.type().equals(c.type()) && held.message().equals(c.message())) {
        continue;
      }
      stored.set(c.key(), Catalog.encode(c));
      registry.counter(METRIC_CLASHES, "type", c.type()).increment();
      LOG.warn("{} on {}: {}", c.type(), c.key(), c.message());
    }
  }

  // ---- rules
  // ----------------------------------------------------------------------------------------

  private boolean reachable(View v, LinkEntry link, long now) {
    Optional<Long> since = lostSince(link, Optional.ofNullable(v.gateways.get(link.cluster())));
    return since.isEmpty() || now - since.get() < lostBound.toMillis();
  }

  /** When the link's stream or its gateway was lost, the earlier of the two; empty when neither. */
  private static Optional<Long> lostSince(LinkEntry link, Optional<GatewayEntry> gateway) {
    Long since = null;
    if ("lost".equals(link.state()) || "failed".equals(link.state())) {
      since = link.sinceMillis();
    }
    if (gateway.isPresent() && !gateway.get().healthy()) {
      long g = gateway.get().changedAtMillis();
      since = since == null ? g : Math.min(since, g);
    }
    return Optional.ofNullable(since);
  }

  private String lossReason(LinkEntry link, String cluster) {
    if ("lost".equals(link.state()) || "failed".equals(link.state())) {
      return "peering stream " + link.state() + ": " + link.detail();
    }
    return "gateway unhealthy: " + catalog.gateway(cluster).map(GatewayEntry::detail).orElse("");
  }

  private boolean hasConditions(String cluster) {
    return MirrorCondition.all(catalog).stream().anyMatch(c -> c.cluster().equals(cluster));
  }

  private static boolean sameContent(ImportEntry held, ImportEntry offered) {
    return held.ports().equals(offered.ports())
        && held.identities().equals(offered.identities())
        && held.localities().equals(offered.localities());
  }

  /** Why {@code offered} cannot be imported as sent, or null. */
  private static String invalid(ImportEntry o) {
    if (!o.name().matches(DNS_LABEL)) {
      return "name '" + o.name() + "' (expected: a DNS label)";
    }
    if (!o.namespace().matches(DNS_LABEL)) {
      return "namespace '" + o.namespace() + "' (expected: a DNS label)";
    }
    if (o.ports().isEmpty()) {
      return "no ports (expected: at least one)";
    }
    for (PortEntry p : o.ports()) {
      if (p.port() < 1 || p.port() > 65535) {
        return "port " + p.name() + ": " + p.port() + " (expected: 1..65535)";
      }
      if (!PROTOCOLS.contains(p.protocol())) {
        return "port "
            + p.name()
            + ": protocol '"
            + p.protocol()
            + "' (expected: http, grpc or tcp)";
      }
    }
    for (var l : o.localities()) {
      if (l.healthy() < 0 || l.total() < l.healthy()) {
        return "locality "
            + l.region()
            + "/"
            + l.zone()
            + ": "
            + l.healthy()
            + " healthy of "
            + l.total()
            + " (expected: 0 <= healthy <= total)";
      }
    }
    return null;
  }

  /**
   * Why two port lists cannot be one service, or null: a port number with two protocols, or a port
   * name with two numbers.
   */
  static String incompatibility(List<PortEntry> a, List<PortEntry> b) {
    for (PortEntry x : a) {
      for (PortEntry y : b) {
        if (x.port() == y.port() && !x.protocol().equals(y.protocol())) {
          return "port "
              + x.port()
              + " is "
              + x.protocol()
              + " on one side and "
              + y.protocol()
              + " on the other";
        }
        if (x.name().equals(y.name()) && x.port() != y.port()) {
          return "port '"
              + x.name()
              + "' is "
              + x.port()
              + " on one side and "
              + y.port()
              + " on the other";
        }
      }
    }
    return null;
  }

  private static String describe(List<PortEntry> ports) {
    List<String> out = new ArrayList<>();
    for (PortEntry p : ports) {
      out.add(p.name() + "/" + p.port() + "/" + p.protocol());
    }
    return String.join(", ", out);
  }

  private static MirrorCondition condition(
      View v, String type, ImportEntry o, String message, long now) {
    long since = now;
    for (MirrorCondition held : v.conditions(o.namespace(), o.name())) {
      if (held.cluster().equals(o.cluster()) && held.type().equals(type)) {
        since = held.sinceMillis();
      }
    }
    return new MirrorCondition(type, o.cluster(), o.namespace(), o.name(), message, since);
  }

  private void sinkFailed(String call, RuntimeException e) {
    registry.counter(METRIC_SINK_FAILURES).increment();
    LOG.warn("mirror sink {} failed: {}", call, e.getMessage(), e);
  }

  private record ExportsListener(java.util.function.Consumer<String> changed)
      implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      changed.accept(event.getKey());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      changed.accept(event.getKey());
    }
  }

  /** Builds a {@link ServiceMirror}; setters validate at once. */
  public static final class Builder {
    private final Catalog catalog;
    private Clock clock = Clock.systemUTC();
    private Duration lostBound = DEFAULT_LOST_BOUND;
    private Duration resyncInterval = DEFAULT_RESYNC_INTERVAL;
    private BooleanSupplier leader = () -> true;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private MirrorSink sink;

    Builder(Catalog catalog) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    /** Wall clock compared with the links' and gateways' timestamps. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How long a lost peering stream or unhealthy gateway is tolerated before the cluster's imports
     * are marked unreachable, 0..10min; default 3 s.
     */
    public Builder lostBound(Duration bound) {
      this.lostBound =
          Durations.checkRange("lostBound", bound, Duration.ZERO, Duration.ofMinutes(10));
      return this;
    }

    /** Interval of the full resync, 100ms..10min; default 5 s. */
    public Builder resyncInterval(Duration interval) {
      this.resyncInterval =
          Durations.checkRange(
              "resyncInterval", interval, Duration.ofMillis(100), Duration.ofMinutes(10));
      return this;
    }

    /** Whether this replica is the leader: only the leader writes imports. Default always. */
    public Builder leader(BooleanSupplier leader) {
      this.leader = Objects.requireNonNull(leader, "leader");
      return this;
    }

    /** Where meters go. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /** Where imports are mirrored besides the catalog (Kubernetes); default nowhere. */
    public Builder sink(MirrorSink sink) {
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    public ServiceMirror build() {
      return new ServiceMirror(this);
    }
  }

  @Override
  public String toString() {
    return "ServiceMirror[bound=" + lostBound.toString().toLowerCase(Locale.ROOT) + "]";
  }
}
