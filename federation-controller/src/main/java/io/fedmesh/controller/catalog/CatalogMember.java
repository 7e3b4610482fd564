package io.fedmesh.controller.catalog;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.List;
import java.util.Objects;

/**
 * Starts one controller replica's Hazelcast member. Replicas of one cluster's controller form one
 * Hazelcast cluster named after the fedmesh cluster; members find each other by an explicit TCP-IP
 * list (never multicast), bind to the given host only, and keep one synchronous backup of every
 * catalog entry, so losing any one replica loses no state.
 *
 * <p>Hazelcast open source has no member TLS: member ports must stay on the cluster's own network
 * (loopback locally); traffic between fedmesh clusters never uses them (peering is our own mTLS).
 *
 * @param cluster the fedmesh cluster name, used as the Hazelcast cluster name
 * @param host the address to bind and advertise, e.g. {@code 127.0.0.1}
 * @param port the member port; 0 is not allowed (members must be listable)
 * @param members every replica's {@code host:port}, this one included
 */
public record CatalogMember(String cluster, String host, int port, List<String> members) {
  /** Synchronous backups of each catalog map entry. */
  public static final int BACKUP_COUNT = 1;

  public CatalogMember {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    members = List.copyOf(members);
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      if (colon <= 0 || colon == m.length() - 1) {
        throw new IllegalArgumentException(
            "members: '" + m + "' (expected: host:port, one member each)");
      }
    }
  }

  /** The Hazelcast configuration for this member. */
  public Config config() {
    Config config = new Config();
    config.setClusterName(cluster);
    config.setInstanceName("fedmesh-" + cluster + "-" + host + "-" + port);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Fail fast on a lost member: the default 60 s heartbeat timeout is far too slow for a mesh.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(false).setPublicAddress(host + ":" + port);
    network.getInterfaces().setEnabled(true).addInterface(host);
    network.getRestApiConfig().setEnabled(false);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    config.setProperty("hazelcast.local.localAddress", host);
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.addMapConfig(
        new MapConfig("fedmesh.*").setBackupCount(BACKUP_COUNT).setAsyncBackupCount(0));
    config.getJetConfig().setEnabled(false);
    return config;
  }

  /** Starts the member; returns once it has joined (or formed) its cluster. */
  public HazelcastInstance start() {
    return Hazelcast.newHazelcastInstance(config());
  }
}
