package io.fedmesh.cli;

import io.fedmesh.cli.runner.RunnerException;
import io.fedmesh.trust.TrustException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code fedmesh} command line: the root of the command tree and its {@link #main} entry point.
 *
 * <p>Exit codes: 0 when the command did what was asked; 2 when the input was wrong (bad option,
 * file, certificate or bundle: a one-line message on stderr, no stack trace); 1 on an unexpected
 * error (a bug or an environment failure, printed with its cause).
 */
@Command(
    name = "fedmesh",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Multi-cluster federation mesh: run a topology, link clusters, call, scale, check.",
    subcommands = {
      CaCommand.class,
      BundleCommand.class,
      SidecarCommand.class,
      GatewayCommand.class,
      DemoAppCommand.class,
      PolicyCommand.class,
      UpCommand.class,
      DownCommand.class,
      StatusCommand.class,
      ServicesCommand.class,
      GatewaysCommand.class,
      CheckCommand.class,
      CallCommand.class,
      ScaleCommand.class,
      LinkCommand.class,
      ChaosCommand.class,
      UnlinkCommand.class,
      ClusterRunCommand.class,
      VersionCommand.class,
      CompletionCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:fault: an unexpected error; printed with its cause",
      "2:usage or configuration error: bad option, file, certificate, bundle, topology or policy",
      "3:not ready or unhealthy: 'up' timed out, 'check' found a problem, 'call' had failures",
      "4:not running: no run in the state directory, or a cluster process does not answer"
    },
    footerHeading = "%n",
    footer = "Run 'fedmesh <command> --help' for a command's options.")
public final class Fedmesh {
  /** The command did what was asked. */
  static final int EXIT_OK = 0;

  /** An unexpected error: a bug, or the environment failed (disk, JVM). */
  static final int EXIT_FAULT = 1;

  /** The user's input is wrong: option, file, certificate or bundle. */
  static final int EXIT_USAGE = 2;

  /** It runs but is not ready or not healthy. */
  static final int EXIT_NOT_READY = 3;

  /** The topology, or the cluster asked for, is not running. */
  static final int EXIT_NOT_RUNNING = 4;

  private final Clock clock;
  private final Map<String, String> env;

  /** The command as {@link #main} runs it: system clock and process environment. */
  public Fedmesh() {
    this(Clock.systemUTC(), System.getenv());
  }

  Fedmesh(Clock clock, Map<String, String> env) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.env = Map.copyOf(env);
  }

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the command line arguments
   */
  public static void main(String[] args) {
    System.exit(commandLine(new Fedmesh()).execute(args));
  }

  /**
   * The picocli command line for {@code root}, with fedmesh's error handling; {@link #main} and the
   * tests both run through here, so the tests see exactly what a user sees.
   */
  static CommandLine commandLine(Fedmesh root) {
    CommandLine cl = new CommandLine(root);
    cl.setExitCodeExceptionMapper(Fedmesh::exitCode);
    cl.setParameterExceptionHandler(Fedmesh::handleParameterException);
    cl.setExecutionExceptionHandler(Fedmesh::handleExecutionException);
    return cl;
  }

  /** The root command of the tree {@code spec} belongs to. */
  static Fedmesh of(CommandSpec spec) {
    return (Fedmesh) spec.root().userObject();
  }

  Clock clock() {
    return clock;
  }

  /** An environment variable, or null. */
  String env(String name) {
    return env.get(name);
  }

  static int exitCode(Throwable t) {
    if (t instanceof NotRunningException || (t instanceof RunnerException r && r.status() == 503)) {
      return EXIT_NOT_RUNNING;
    }
    if (t instanceof NotReadyException) {
      return EXIT_NOT_READY;
    }
    return isUsageError(t) ? EXIT_USAGE : EXIT_FAULT;
  }

  private static boolean isUsageError(Throwable t) {
    return t instanceof TrustException
        || t instanceof UsageException
        || t instanceof RunnerException
        || t instanceof ParameterException;
  }

  private static boolean isExpected(Throwable t) {
    return exitCode(t) != EXIT_FAULT;
  }

  private static int handleParameterException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    ParameterException reported = e;
    if (!(e instanceof UnmatchedArgumentException) && !cmd.getUnmatchedArguments().isEmpty()) {
      // A mistyped required option surfaces as "missing"; name the typo, which is the real cause.
      reported = new UnmatchedArgumentException(cmd, cmd.getUnmatchedArguments());
    }
    err.println("fedmesh: error: " + reported.getMessage());
    UnmatchedArgumentException.printSuggestions(reported, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return EXIT_USAGE;
  }

  private static int handleExecutionException(
      Exception e, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    if (isExpected(e)) {
      // Expected: the message names the input and what was expected; a stack trace would hide it.
      err.println("fedmesh: error: " + e.getMessage());
      err.flush();
      return exitCode(e);
    }
    err.println(
        "fedmesh: fault: "
            + cmd.getCommandSpec().qualifiedName()
            + " failed unexpectedly: "
            + e
            + " (this is a bug or an environment failure; please report it with the trace below)");
    e.printStackTrace(err);
    err.flush();
    return EXIT_FAULT;
  }
}
