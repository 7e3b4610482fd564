package io.fedmesh.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/**
 * {@code fedmesh completion}: picocli's generated bash/zsh completion script, under a short name.
 */
@Command(
    name = "completion",
    header = "Print a bash/zsh completion script for fedmesh.",
    description = {
      "Prints a completion script for bash and zsh to stdout.",
      "",
      "bash:  source <(fedmesh completion)",
      "zsh:   autoload -U +X bashcompinit && bashcompinit && source <(fedmesh completion)"
    })
final class CompletionCommand extends AutoComplete.GenerateCompletion {}
