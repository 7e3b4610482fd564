package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
  void versionIsAskedForOnlyWhenPrintedAndOnEveryCommand() {
    AtomicInteger asked = new AtomicInteger();
    CommandLine.IVersionProvider counting =
        () -> {
          asked.incrementAndGet();
          return new String[] {"fedmesh test-version"};
        };

    CommandLine cl = Fedmesh.commandLine(new Fedmesh(), counting, null);
    assertThat(asked).hasValue(0);

    Cli.Result r = Cli.run(cl, "sidecar", "--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("fedmesh test-version" + System.lineSeparator());
    assertThat(asked).hasValue(1);
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
  void everyCommandIsListedUnderItsOwnName() {
    Fedmesh.COMMANDS.forEach(
        (name, type) ->
            assertThat(type.getAnnotation(Command.class).name())
                .as(type.getName())
                .isEqualTo(name));
    assertThat(Fedmesh.commandLine(new Fedmesh()).getSubcommands().keySet())
        .containsExactlyElementsOf(Fedmesh.COMMANDS.keySet());
  }

  @Test
  void aNamedCommandBuildsOnlyItselfAndBehavesTheSame() {
    CommandLine one =
        Fedmesh.commandLine(new Fedmesh(Cli.CLOCK, Map.of()), new VersionCommand.Provider(), "ca");
    assertThat(one.getSubcommands()).containsOnlyKeys("ca");

    for (String[] args :
        new String[][] {
          {"ca", "init", "--help"}, {"ca", "init", "--trust-domian", "x.local"}, {"ca", "--version"}
        }) {
      Cli.Result alone =
          Cli.run(
              Fedmesh.commandLine(
                  new Fedmesh(Cli.CLOCK, Map.of()), new VersionCommand.Provider(), args[0]),
              args);
      Cli.Result whole = Cli.run(args);
      assertThat(alone).as(String.join(" ", args)).isEqualTo(whole);
    }
  }

  @Test
  void unknownOrNoCommandAndCompletionSeeEveryCommand() {
    for (String first : new String[] {null, "--help", "sidcar", "completion"}) {
      assertThat(
              Fedmesh.commandLine(new Fedmesh(), new VersionCommand.Provider(), first)
                  .getSubcommands()
                  .keySet())
          .as(String.valueOf(first))
          .containsExactlyElementsOf(Fedmesh.COMMANDS.keySet());
    }
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

  @Test
  void upOnAStateDirThatIsAFileSaysSoWithoutATrace(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    Cli.Result r = Cli.run("up", "--detach", "--state-dir", file.toString());
    assertThat(r.exitCode()).isEqualTo(Fedmesh.EXIT_USAGE);
    assertThat(r.err())
        .contains("--state-dir: " + file + " is not a directory")
        .doesNotContain("Exception");
  }
}
