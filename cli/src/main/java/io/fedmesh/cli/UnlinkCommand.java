package io.fedmesh.cli;

import picocli.CommandLine.Command;

/** {@code fedmesh unlink}: drops a link; each side's imports of the other leave its proxies. */
@Command(
    name = "unlink",
    header = "Unlink two clusters of the run: each drops what it imported from the other.",
    sortOptions = false)
final class UnlinkCommand extends LinkCommand {
  @Override
  boolean unlink() {
    return true;
  }
}
