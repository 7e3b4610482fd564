package io.fedmesh.cli;

import picocli.CommandLine.Command;

/** {@code fedmesh policy}: FailoverPolicy resources, how callers fail over between localities. */
@Command(
    name = "policy",
    header = "Check FailoverPolicy files, and apply them to a running cluster.",
    subcommands = {PolicyValidateCommand.class, PolicyApplyCommand.class})
final class PolicyCommand {}
