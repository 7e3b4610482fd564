/**
 * Test fixtures; internal, no compatibility promise; test scope only.
 *
 * <p>A PKI built at run time with BouncyCastle, so no module checks in keystores: {@link
 * io.fedmesh.testing.TestPki} makes roots, intermediates and X.509-SVIDs (valid and deliberately
 * broken), {@link io.fedmesh.testing.CertificateBuilder} controls every field and extension, {@link
 * io.fedmesh.testing.Pem} writes PEM and {@link io.fedmesh.testing.Pkcs10} makes certificate
 * signing requests. {@link io.fedmesh.testing.TestCalls} runs a test's Vert.x HTTP call on an
 * event-loop context, with a bound. Depends on the JDK, BouncyCastle and Vert.x core only;
 * registers no global security provider.
 */
package io.fedmesh.testing;
