/**
 * Internal to trust-bundle; no compatibility promise, may change without notice. PEM and key file
 * I/O, the BouncyCastle provider instance, and SAN parsing shared by the CA and the verifier.
 */
package io.fedmesh.trust.internal;
