/**
 * SPIFFE IDs and trust domains, parsed and validated to the SPIFFE-ID specification (section 2).
 * Value types only; depends on nothing but the JDK.
 */
package io.fedmesh.trust.spiffe;
