/**
 * Inbound: mTLS in, authorization by SPIFFE ID, method and normalized path, identity headers
 * replaced (never trusted from the caller), forwarding to the local app with streaming bodies and
 * trailers preserved.
 */
package io.fedmesh.sidecar.inbound;
