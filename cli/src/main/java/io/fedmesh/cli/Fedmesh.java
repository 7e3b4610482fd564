package io.fedmesh.cli;

import io.fedmesh.cli.runner.RunnerException;
import io.fedmesh.trust.TrustException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
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
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Multi-cluster federation mesh: run a topology, link clusters, call, scale, check.",
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

  /**
   * Every command by its name, in the order {@code fedmesh --help} lists them. They are added in
   * code, not in the {@code @Command} annotation, so that a command line naming one of them builds
   * only that one's model: picocli reads every option of every command by reflection, which took
   * about half of a sidecar's start-up (see {@link #commandLine(Fedmesh, IVersionProvider,
   * String)}).
   */
  static final Map<String, Class<?>> COMMANDS =
      orderedMap(
          List.of(
              Map.entry("ca", CaCommand.class),
              Map.entry("bundle", BundleCommand.class),
              Map.entry("sidecar", SidecarCommand.class),
              Map.entry("gateway", GatewayCommand.class),
              Map.entry("demo-app", DemoAppCommand.class),
              Map.entry("policy", PolicyCommand.class),
              Map.entry("up", UpCommand.class),
              Map.entry("down", DownCommand.class),
              Map.entry("status", StatusCommand.class),
              Map.entry("services", ServicesCommand.class),
              Map.entry("gateways", GatewaysCommand.class),
              Map.entry("check", CheckCommand.class),
              Map.entry("call", CallCommand.class),
              Map.entry("scale", ScaleCommand.class),
              Map.entry("link", LinkCommand.class),
              Map.entry("chaos", ChaosCommand.class),
              Map.entry("unlink", UnlinkCommand.class),
              Map.entry("cluster-run", ClusterRunCommand.class),
              Map.entry("version", VersionCommand.class),
              Map.entry("completion", CompletionCommand.class)));

  /** The command that needs the whole tree even when named: it prints a script for all of them. */
  private static final String COMPLETION = "completion";

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
    System.exit(
        commandLine(new Fedmesh(), new VersionCommand.Provider(), args.length > 0 ? args[0] : null)
            .execute(args));
  }

  /**
   * The picocli command line for {@code root}, with fedmesh's error handling; {@link #main} and the
   * tests both run through here, so the tests see exactly what a user sees.
   */
  static CommandLine commandLine(Fedmesh root) {
    return commandLine(root, new VersionCommand.Provider(), null);
  }

  /**
   * {@link #commandLine(Fedmesh)} for a command line whose first argument is {@code first} (null:
   * none), with {@code versions} answering {@code --version} on every command. When {@code first}
   * names a command, only that command is added (except {@code completion}, which needs them all),
   * else every command, so {@code fedmesh --help} and a mistyped command name see the whole list;
   * whatever {@code first} is, the arguments parse and run exactly as with the whole tree. The
   * provider is set on each command after the tree is built, not named in the annotation: picocli
   * asks an inherited provider for its lines while it adds each subcommand, and ours loads the TLS
   * engine to say whether BoringSSL is there, which cost every command (the sidecar included) about
   * a quarter of a second at start.
   */
  static CommandLine commandLine(Fedmesh root, IVersionProvider versions, String first) {
    CommandLine cl = new CommandLine(root);
    Class<?> only = COMPLETION.equals(first) ? null : COMMANDS.get(first);
    if (only != null) {
      cl.addSubcommand(first, only);
    } else {
      COMMANDS.forEach(cl::addSubcommand);
    }
    setVersionProvider(cl, versions);
    cl.setExitCodeExceptionMapper(Fedmesh::exitCode);
    cl.setParameterExceptionHandler(Fedmesh::handleParameterException);
    cl.setExecutionExceptionHandler(Fedmesh::handleExecutionException);
    return cl;
  }

  private static Map<String, Class<?>> orderedMap(List<Map.Entry<String, Class<?>>> entries) {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    entries.forEach(e -> m.put(e.getKey(), e.getValue()));
    return Collections.unmodifiableMap(m);
  }

  private static void setVersionProvider(CommandLine cl, IVersionProvider versions) {
    cl.getCommandSpec().versionProvider(versions);
    cl.getSubcommands().values().forEach(sub -> setVersionProvider(sub, versions));
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
