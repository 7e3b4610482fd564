package io.fedmesh.cli;

/** How an inspect command prints: for people or for programs. */
enum OutputFormat {
  text,
  json
}
