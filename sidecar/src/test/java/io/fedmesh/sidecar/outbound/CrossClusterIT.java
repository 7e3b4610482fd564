package io.fedmesh.sidecar.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.sidecar.TwoClusters;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two clusters on loopback ({@link TwoClusters}): app → outbound sidecar (us-east) → mTLS through
 * us-west's east-west gateway (SNI passthrough) → inbound sidecar (us-west) → app.
 */
class CrossClusterIT {
  private TwoClusters clusters;

  @BeforeEach
  void start() throws Exception {
    clusters = TwoClusters.builder().start();
  }

  @AfterEach
  void stop() throws Exception {
    clusters.close();
  }

  @Test
  void clusterSetServiceIsServedLocallyWhileLocalIsHealthy() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(clusters.get("reviews.default.svc.clusterset.local"))
          .isEqualTo("200 us-east caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend");
    }
  }

  @Test
  void oneClusterHostCrossesTheGatewayWithIdentityEndToEnd() throws Exception {
    // The west app sees the east caller's SPIFFE ID: the gateway passed TLS through untouched.
    assertThat(clusters.get(TwoClusters.WEST_REVIEWS_HOST))
        .isEqualTo("200 us-west caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend");
  }

  @Test
  void localOutageFailsOverToTheOtherClusterWithZeroFailedRequestsAndClusterLocalStaysLocal()
      throws Exception {
    TwoClusters.await(clusters.eastReviews().close());
    List<String> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      results.add(clusters.get("reviews.default.svc.clusterset.local"));
    }
    assertThat(results)
        .allMatch(
            r ->
                r.equals(
                    "200 us-west caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend"));
    assertThat(clusters.get("reviews.default.svc.cluster.local")).startsWith("503");
  }
}
