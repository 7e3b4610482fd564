/**
 * The cluster catalog: what one cluster's controllers know, in Hazelcast maps shared by every
 * replica ({@link io.fedmesh.controller.catalog.Catalog}), and how a replica joins them ({@link
 * io.fedmesh.controller.catalog.CatalogMember}). Entries are immutable records stored as JSON.
 *
 * <p>Depends on Hazelcast, Jackson and trust-bundle's bundle codec only. Every other controller
 * package (push, CA service, peering, gateway health, admin) reads and writes through this one.
 */
package io.fedmesh.controller.catalog;
