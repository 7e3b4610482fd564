/**
 * Byte relaying that the sidecar's TCP listeners and the east-west gateway share: {@link
 * io.fedmesh.proxy.net.Splice} copies two Vert.x sockets into each other with back-pressure and
 * carries a half-close (one side's FIN) across. Depends on Vert.x core and the Netty it brings.
 */
package io.fedmesh.proxy.net;
