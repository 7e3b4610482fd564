package io.fedmesh.cli;

import picocli.CommandLine.Option;

/** {@code -o text|json} for the commands that read a running topology. */
final class OutputOption {
  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat format = OutputFormat.text;

  boolean json() {
    return format == OutputFormat.json;
  }
}
