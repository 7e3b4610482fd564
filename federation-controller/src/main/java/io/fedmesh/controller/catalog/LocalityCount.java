package io.fedmesh.controller.catalog;

/**
 * How many endpoints of an imported service one locality of the exporting cluster has.
 *
 * @param region the region
 * @param zone the zone
 * @param healthy healthy endpoints
 * @param total all endpoints
 */
public record LocalityCount(String region, String zone, int healthy, int total) {}
