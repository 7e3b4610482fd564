/**
 * A cluster's certificate authority: creating it (self-signed root, or intermediate under an
 * operator's root), storing and loading it (key PKCS#8, mode 0600), signing workload CSRs into
 * X.509-SVIDs for callers whose bootstrap credential entitles them to the SPIFFE ID they ask for,
 * and rotating to a new CA without breaking a connection. Depends on {@code spiffe}, {@code svid},
 * {@code bundle} and BouncyCastle.
 */
package io.fedmesh.trust.ca;
