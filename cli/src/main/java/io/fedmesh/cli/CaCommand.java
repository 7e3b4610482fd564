package io.fedmesh.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code fedmesh ca}: the trust domain's certificate authority, as the operator holding its key.
 */
@Command(
    name = "ca",
    header = "Create a trust domain's CA, issue SVIDs with it, inspect certificates.",
    subcommands = {CaInitCommand.class, CaIssueCommand.class, CaInspectCommand.class})
final class CaCommand {
  /** File name of the SPIFFE trust bundle written beside a CA and an SVID. */
  static final String BUNDLE_FILE = "bundle.json";

  /** Prints "Wrote:" and each file with what it holds, in order, the descriptions aligned. */
  static void printWritten(PrintWriter w, List<Map.Entry<Path, String>> files) {
    int width = 0;
    for (Map.Entry<Path, String> e : files) {
      width = Math.max(width, e.getKey().toString().length());
    }
    w.println("Wrote:");
    for (Map.Entry<Path, String> e : files) {
      String name = e.getKey().toString();
      w.println("  " + name + " ".repeat(width - name.length() + 2) + e.getValue());
    }
  }
}
