import envExample from "../.env.example" with { type: "text" };
import packageJson from "../package.json" with { type: "json" };

/** What stackd prints and its exit code, for a command line it answers without starting. */
export interface CommandLineAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * The settings part of `--help`: `.env.example` itself (embedded by `bun build --compile`), which a test
 * keeps listing every variable the configuration reads, so the two cannot drift apart.
 */
function settingsHelp(): string {
  return envExample
    .split("\n")
    .filter((line) => /^#? ?[A-Z0-9_]+=/.test(line) || line.startsWith("# ---") || line === "")
    .map((line) =>
      line.startsWith("#")
        ? line.replace(/^# ?/, line.startsWith("# ---") ? "" : "  ")
        : // An uncommented line is an example value to change, not a default.
          line.replace(/^([A-Z0-9_]+)=(.*)$/, "  $1=          (no default; for example $2)"),
    )
    .join("\n");
}

/** `stackd --help`: how to run it and every setting with its default. */
export function usage(): string {
  return `stackd ${packageJson.version}: short-lived per-player stacks on Kubernetes, behind a REST API.

Usage: stackd [--help | --version]

With no option stackd starts and serves HTTP; it is configured only by environment variables (a .env
file in the working directory is read too; real variables win). Exit codes: 0 stopped, 1 start-up
failed, 2 invalid configuration, 3 lost the leader lease.

Settings, with their defaults (commented lines in .env.example):

${settingsHelp()}`;
}

/** `stackd --version`: package.json's version, and the git commit when run from a checkout. */
export function version(): string {
  return `stackd ${packageJson.version}${sourceCommit().replace(/^./, " ($&").replace(/.$/, "$&)")}\n`;
}

/** The checkout's short commit, or "" (a compiled binary has no source directory; no git installed). */
function sourceCommit(): string {
  try {
    const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], {
      cwd: import.meta.dir,
      stdout: "pipe",
      stderr: "ignore",
    });
    return git.success ? git.stdout.toString().trim() : "";
  } catch {
    return "";
  }
}

/** The answer to options that do not start stackd; undefined (start) when there are none. */
export function commandLineAnswer(args: readonly string[]): CommandLineAnswer | undefined {
  const [first] = args;
  if (first === undefined) return undefined;
  if (args.length === 1 && (first === "--help" || first === "-h"))
    return { stdout: usage(), stderr: "", exitCode: 0 };
  if (args.length === 1 && (first === "--version" || first === "-v"))
    return { stdout: version(), stderr: "", exitCode: 0 };
  return { stdout: "", stderr: `stackd: unknown arguments: ${args.join(" ")}\n\n${usage()}`, exitCode: 2 };
}
