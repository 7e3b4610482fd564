package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class FedmeshTest {
  @Test
  void helpListsCommandsAndExitCodes() {
    Cli.Result r = Cli.run("--help");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("Usage: fedmesh", "ca", "bundle", "version", "completion", "Exit codes:")
        .contains("0   ok", "1   fault", "2   usage or configuration error");
  }

  @Test
  void subcommandHelpIsInherited() {
    Cli.Result r = Cli.run("ca", "init", "--help");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--trust-domain=DOMAIN", "--root-cert=FILE", "ec-p256, rsa-2048");
  }

  @Test
  void versionCommandPrintsVersionJavaAndTlsEngine() {
    Cli.Result r = Cli.run("version");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .startsWith("fedmesh ")
        .contains("Java:       " + System.getProperty("java.version"))
        .containsPattern("TLS engine: BoringSSL (yes|no)");
    assertThat(r.out()).doesNotContain("${project.version}");
  }

  @Test
  void versionOptionPrintsTheSameAsTheCommand() {
    assertThat(Cli.run("--version").out()).isEqualTo(Cli.run("version").out());
  }

  @Test
  void completionPrintsAScriptForFedmesh() {
    Cli.Result r = Cli.run("completion");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("fedmesh", "complete -F", "init", "--trust-domain");
  }

  @Test
  void noCommandIsAUsageError() {
    Cli.Result r = Cli.run();

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("fedmesh: error: Missing required subcommand")
        .contains("Try 'fedmesh --help'");
  }

  @Test
  void mistypedOptionIsNamedWithASuggestion() {
    Cli.Result r = Cli.run("ca", "init", "--trust-domian", "x.local", "--out", "/nonexistent");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "fedmesh: error: Unknown option",
            "--trust-domian",
            "Possible solutions: --trust-domain")
        .contains("Try 'fedmesh ca init --help'");
  }

  @Test
  void unexpectedErrorIsAFaultWithItsCause() {
    CommandLine cl = Fedmesh.commandLine(new Fedmesh(Cli.CLOCK, Map.of()));
    cl.addSubcommand(new Boom());

    Cli.Result r = Cli.run(cl, "boom");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("fedmesh: fault: fedmesh boom failed unexpectedly")
        .contains("IllegalStateException: disk on fire")
        .contains("Caused by: java.io.IOException: sector 7")
        .contains("\tat ");
  }

  @Command(name = "boom")
  static final class Boom implements Runnable {
    @Override
    public void run() {
      throw new IllegalStateException("disk on fire", new java.io.IOException("sector 7"));
    }
  }
}
