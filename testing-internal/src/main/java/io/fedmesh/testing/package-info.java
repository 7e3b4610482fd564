/**
 * Test fixtures; internal, no compatibility promise; test scope only.
 *
 * <p>A PKI built at run time with BouncyCastle, so no module checks in keystores: {@link
 * io.fedmesh.testing.TestPki} makes roots, intermediates and X.509-SVIDs (valid and deliberately
 * broken), {@link io.fedmesh.testing.CertificateBuilder} controls every field and extension, {@link
 * io.fedmesh.testing.Pem} writes PEM and {@link io.fedmesh.testing.Pkcs10} makes certificate
 * signing requests. Depends on the JDK and BouncyCastle only; registers no global security
 * provider.
 */
package io.fedmesh.testing;
