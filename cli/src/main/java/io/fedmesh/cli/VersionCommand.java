package io.fedmesh.cli;

import io.fedmesh.trust.tls.TlsEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fedmesh version}: the same text as {@code fedmesh --version}. */
@Command(name = "version", header = "Print the fedmesh version, Java runtime and TLS engine.")
final class VersionCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.root().commandLine().printVersionHelp(spec.commandLine().getOut());
    spec.commandLine().getOut().flush();
  }

  /** Reads the version Maven wrote into {@code version.properties} at build time. */
  static String fedmeshVersion() {
    Properties p = new Properties();
    try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown (no version.properties on the class path)";
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read version.properties", e);
    }
    return p.getProperty("version", "unknown");
  }

  /** Whether netty-tcnative BoringSSL loads here; the JDK engine is the fallback. */
  static String tlsEngine() {
    boolean boringSsl;
    try {
      boringSsl = TlsEngine.openSslAvailable();
    } catch (LinkageError e) {
      boringSsl = false;
    }
    return boringSsl
        ? "BoringSSL yes (netty-tcnative; the default 'auto' engine uses it)"
        : "BoringSSL no (the default 'auto' engine falls back to the JDK)";
  }

  /** The lines of {@code --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "fedmesh " + fedmeshVersion(),
        "Java:       "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.vm.name")
            + ", "
            + System.getProperty("java.home")
            + ")",
        "OS:         "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        "TLS engine: " + tlsEngine()
      };
    }
  }
}
