package io.fedmesh.cli;

import picocli.CommandLine.Command;

/** {@code fedmesh bundle}: SPIFFE trust bundles, the documents federated between trust domains. */
@Command(
    name = "bundle",
    header = "Export and inspect SPIFFE trust bundles.",
    subcommands = {BundleExportCommand.class, BundleInspectCommand.class})
final class BundleCommand {}
