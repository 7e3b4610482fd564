/**
 * The {@code fedmesh} command: a picocli command tree rooted at {@link io.fedmesh.cli.Fedmesh}.
 *
 * <p>Only {@code Fedmesh} is public; every subcommand is package-private and created by picocli.
 * Commands write only through picocli's {@code PrintWriter}s, read time from the root command's
 * {@link java.time.Clock} and the environment from its map, so tests run them in-process. Errors
 * follow one rule: a {@link io.fedmesh.trust.TrustException}, a {@link UsageException} or a picocli
 * {@code ParameterException} is the user's input being wrong (exit 2, one line, no stack trace);
 * anything else is a fault (exit 1, with its cause). May depend on trust-bundle, picocli and
 * Jackson; nothing depends on this package.
 */
package io.fedmesh.cli;
