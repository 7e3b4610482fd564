package io.fedmesh.cli;

import picocli.CommandLine.Command;

/** {@code fedmesh policy}: FailoverPolicy resources, how callers fail over between localities. */
@Command(
    name = "policy",
    header = "Check FailoverPolicy files.",
    subcommands = {PolicyValidateCommand.class})
final class PolicyCommand {}
