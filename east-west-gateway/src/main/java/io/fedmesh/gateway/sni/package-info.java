/**
 * Reading a TLS ClientHello without terminating TLS: {@link
 * io.fedmesh.gateway.sni.ClientHelloParser} finds the {@code server_name} in the first bytes of a
 * connection, bounds-checked, across records, with a size limit. Depends on the JDK only.
 */
package io.fedmesh.gateway.sni;
