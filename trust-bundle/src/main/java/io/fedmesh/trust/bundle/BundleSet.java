package io.fedmesh.trust.bundle;

import io.fedmesh.trust.spiffe.TrustDomain;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The live trust bundles of this cluster: one per trust domain, the local domain's and those of
 * federated domains. TLS verifiers read it on every handshake while federation and CA rotation
 * update it, so reads are lock-free and every change is atomic: the bundles live in an immutable
 * snapshot that a change replaces as a whole, and a reader sees either the old snapshot or the new
 * one, never a mix.
 *
 * <p>Each domain keeps its own bundle; authorities of different domains are never merged (SPIFFE
 * Federation section 4.2), so a certificate of one domain cannot chain to another's root through
 * this set.
 *
 * <p>Updates follow {@code spiffe_sequence}: {@link #update} replaces a domain's bundle only with
 * one of a strictly greater sequence, so a replayed or reordered older bundle cannot roll trust
 * back. Each applied change increments {@link #version()} and then calls the listeners.
 *
 * <p>Thread-safe.
 */
public final class BundleSet {
  private static final System.Logger LOG = System.getLogger(BundleSet.class.getName());

  /** An immutable map and the version it was published as; replaced as a whole. */
  private record State(Map<TrustDomain, TrustBundle> bundles, long version) {}

  private final TrustDomain localDomain;
  private final AtomicReference<State> state;
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();

  private BundleSet(TrustDomain localDomain, Map<TrustDomain, TrustBundle> bundles) {
    this.localDomain = localDomain;
    this.state = new AtomicReference<>(new State(freeze(bundles), 1L));
  }

  /** A set holding only the local domain's bundle. */
  public static BundleSet of(TrustBundle local) {
    return builder(local).build();
  }

  /** A builder of a set whose local domain is {@code local}'s. */
  public static Builder builder(TrustBundle local) {
    return new Builder(local);
  }

  /** The trust domain of this cluster, whose bundle is always present. */
  public TrustDomain localDomain() {
    return localDomain;
  }

  /** The local domain's current bundle. */
  public TrustBundle localBundle() {
    return state.get().bundles().get(localDomain);
  }

  /** The current bundle of {@code domain}, if the domain is known. */
  public Optional<TrustBundle> get(TrustDomain domain) {
    return Optional.ofNullable(state.get().bundles().get(domain));
  }

  /**
   * The current bundles, an immutable map ordered by domain name. Later changes do not show in it;
   * call again to see them.
   */
  public Map<TrustDomain, TrustBundle> snapshot() {
    return state.get().bundles();
  }

  /** The current trust domains, immutable. */
  public Set<TrustDomain> domains() {
    return state.get().bundles().keySet();
  }

  /**
   * A number that grows by one with each applied change, starting at 1. Read separately from {@link
   * #snapshot()}; compare two readings to tell whether anything changed in between.
   */
  public long version() {
    return state.get().version();
  }

  /**
   * Stores {@code bundle} for its domain if the domain is new or the bundle's sequence is greater
   * than the stored one's. An equal or lower sequence is not applied, even if the authorities
   * differ: the publisher must bump the sequence for a change to count.
   *
   * @return what happened, with the stored and offered sequences
   */
  public UpdateResult update(TrustBundle bundle) {
    Objects.requireNonNull(bundle, "bundle");
    TrustDomain domain = bundle.trustDomain();
    while (true) {
      State current = state.get();
      TrustBundle stored = current.bundles().get(domain);
      if (stored != null && bundle.sequence() <= stored.sequence()) {
        return new UpdateResult(
            UpdateResult.Status.STALE,
            domain,
            OptionalLong.of(stored.sequence()),
            bundle.sequence(),
            current.version());
      }
      Map<TrustDomain, TrustBundle> next = new HashMap<>(current.bundles());
      next.put(domain, bundle);
      State updated = new State(freeze(next), current.version() + 1);
      if (state.compareAndSet(current, updated)) {
        notifyListeners();
        return stored == null
            ? new UpdateResult(
                UpdateResult.Status.ADDED,
                domain,
                OptionalLong.empty(),
                bundle.sequence(),
                updated.version())
            : new UpdateResult(
                UpdateResult.Status.REPLACED,
                domain,
                OptionalLong.of(stored.sequence()),
                bundle.sequence(),
                updated.version());
      }
    }
  }

  /**
   * Forgets a federated domain: its certificates stop being trusted by the next handshake.
   *
   * @return whether the domain was present
   * @throws IllegalArgumentException if {@code domain} is the local domain, which is always present
   */
  public boolean remove(TrustDomain domain) {
    Objects.requireNonNull(domain, "domain");
    if (domain.equals(localDomain)) {
      throw new IllegalArgumentException(
          "trust domain '" + domain + "': cannot remove the local trust domain's bundle");
    }
    while (true) {
      State current = state.get();
      if (!current.bundles().containsKey(domain)) {
        return false;
      }
      Map<TrustDomain, TrustBundle> next = new HashMap<>(current.bundles());
      next.remove(domain);
      if (state.compareAndSet(current, new State(freeze(next), current.version() + 1))) {
        notifyListeners();
        return true;
      }
    }
  }

  /**
   * Makes {@code bundles} the whole content of the set in one atomic change, as after reloading
   * configuration: domains not listed are removed, new ones added, and each listed domain keeps its
   * stored bundle unless the listed one has a greater sequence. All or nothing: if any check fails,
   * nothing changes.
   *
   * @return whether anything changed (if so, the version grew by one and listeners were called)
   * @throws IllegalArgumentException if {@code bundles} lacks the local domain, lists a domain
   *     twice, or holds a bundle whose sequence is lower than the stored one of its domain
   */
  public boolean replaceAll(Collection<TrustBundle> bundles) {
    Objects.requireNonNull(bundles, "bundles");
    Map<TrustDomain, TrustBundle> offered = new HashMap<>();
    for (TrustBundle bundle : bundles) {
      Objects.requireNonNull(bundle, "bundles contains null");
      if (offered.putIfAbsent(bundle.trustDomain(), bundle) != null) {
        throw new IllegalArgumentException(
            "trust domain '"
                + bundle.trustDomain()
                + "' is listed twice (expected: at most one bundle per domain)");
      }
    }
    if (!offered.containsKey(localDomain)) {
      throw new IllegalArgumentException(
          "no bundle for the local trust domain '"
              + localDomain
              + "' (expected: the local bundle is always present)");
    }
    while (true) {
      State current = state.get();
      Map<TrustDomain, TrustBundle> next = new HashMap<>();
      for (TrustBundle bundle : offered.values()) {
        TrustBundle stored = current.bundles().get(bundle.trustDomain());
        if (stored != null && bundle.sequence() < stored.sequence()) {
          throw new IllegalArgumentException(
              "trust domain '"
                  + bundle.trustDomain()
                  + "': spiffe_sequence "
                  + bundle.sequence()
                  + " is older than the stored "
                  + stored.sequence()
                  + " (expected: equal or greater)");
        }
        next.put(
            bundle.trustDomain(),
            stored != null && bundle.sequence() == stored.sequence() ? stored : bundle);
      }
      if (next.equals(current.bundles())) {
        return false;
      }
      if (state.compareAndSet(current, new State(freeze(next), current.version() + 1))) {
        notifyListeners();
        return true;
      }
    }
  }

  /**
   * Calls {@code listener} with this set after each applied change, on the thread that made it. A
   * listener that throws is logged and does not stop the change or the other listeners. When
   * changes race, a listener may see a newer state than the change that called it.
   *
   * @return closing it removes the listener
   */
  public ListenerRegistration addListener(Consumer<BundleSet> listener) {
    Listener holder = new Listener(Objects.requireNonNull(listener, "listener"));
    listeners.add(holder);
    return () -> listeners.remove(holder);
  }

  private void notifyListeners() {
    for (Listener holder : listeners) {
      try {
        holder.consumer.accept(this);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "bundle set listener " + holder.consumer + " failed", e);
      }
    }
  }

  @Override
  public String toString() {
    State current = state.get();
    StringBuilder text =
        new StringBuilder("BundleSet{local=")
            .append(localDomain)
            .append(", version=")
            .append(current.version())
            .append(", sequences={");
    String separator = "";
    for (TrustBundle bundle : current.bundles().values()) {
      text.append(separator).append(bundle.trustDomain()).append('=').append(bundle.sequence());
      separator = ", ";
    }
    return text.append("}}").toString();
  }

  /** Immutable, ordered by domain name for stable iteration, with hash lookups. */
  private static Map<TrustDomain, TrustBundle> freeze(Map<TrustDomain, TrustBundle> bundles) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(new TreeMap<>(bundles)));
  }

  /** Identity wrapper, so the same consumer added twice is removed once per registration. */
  private static final class Listener {
    final Consumer<BundleSet> consumer;

    Listener(Consumer<BundleSet> consumer) {
      this.consumer = consumer;
    }
  }

  /** Removes a listener when closed; closing twice does nothing. */
  @FunctionalInterface
  public interface ListenerRegistration extends AutoCloseable {
    /** Removes the listener. */
    @Override
    void close();
  }

  /**
   * What {@link #update} did.
   *
   * @param status whether the bundle was added, replaced the stored one, or was stale
   * @param trustDomain the bundle's domain
   * @param storedSequence the sequence stored before the call; empty if the domain was new
   * @param offeredSequence the sequence of the bundle passed in
   * @param version the set's version after the call
   */
  public record UpdateResult(
      Status status,
      TrustDomain trustDomain,
      OptionalLong storedSequence,
      long offeredSequence,
      long version) {

    /** The outcome of an update. */
    public enum Status {
      /** The domain was new; the bundle was stored. */
      ADDED,
      /** The bundle had a greater sequence and replaced the stored one. */
      REPLACED,
      /** The bundle's sequence was not greater than the stored one's; nothing changed. */
      STALE
    }

    /** Whether the set changed. */
    public boolean applied() {
      return status != Status.STALE;
    }

    @Override
    public String toString() {
      return switch (status) {
        case ADDED -> "trust domain '" + trustDomain + "': added at sequence " + offeredSequence;
        case REPLACED ->
            "trust domain '"
                + trustDomain
                + "': sequence "
                + storedSequence.getAsLong()
                + " replaced by "
                + offeredSequence;
        case STALE ->
            "trust domain '"
                + trustDomain
                + "': STALE, offered sequence "
                + offeredSequence
                + " is not greater than stored "
                + storedSequence.getAsLong()
                + " (not applied)";
      };
    }
  }

  /** Collects the local bundle and federated ones; see {@link BundleSet#builder}. */
  public static final class Builder {
    private final TrustDomain localDomain;
    private final Map<TrustDomain, TrustBundle> bundles = new HashMap<>();

    Builder(TrustBundle local) {
      Objects.requireNonNull(local, "local");
      this.localDomain = local.trustDomain();
      bundles.put(localDomain, local);
    }

    /**
     * Adds a federated domain's bundle.
     *
     * @throws IllegalArgumentException if a bundle of that domain was already added
     */
    public Builder add(TrustBundle federated) {
      Objects.requireNonNull(federated, "federated");
      if (bundles.putIfAbsent(federated.trustDomain(), federated) != null) {
        throw new IllegalArgumentException(
            "trust domain '"
                + federated.trustDomain()
                + "' already has a bundle (expected: one bundle per domain)");
      }
      return this;
    }

    /** The set, at version 1. */
    public BundleSet build() {
      return new BundleSet(localDomain, bundles);
    }
  }
}
