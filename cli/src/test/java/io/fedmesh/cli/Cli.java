package io.fedmesh.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import picocli.CommandLine;

/** Runs the fedmesh command in-process, as {@code main} would, and captures what it prints. */
final class Cli {
  /** A fixed "now" so validity texts and CA checks do not depend on when the test runs. */
  static final Instant NOW = Instant.parse("2030-01-15T12:00:00Z");

  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  record Result(int exitCode, String out, String err) {}

  private Cli() {}

  static Result run(String... args) {
    return run(Map.of(), args);
  }

  static Result run(Map<String, String> env, String... args) {
    return run(Fedmesh.commandLine(new Fedmesh(CLOCK, env)), args);
  }

  static Result run(CommandLine cl, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
