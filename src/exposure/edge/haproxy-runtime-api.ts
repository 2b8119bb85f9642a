import { connect, type Socket } from "node:net";
import { parseRuntimeApiAddress, type RuntimeApiEndpoint } from "./runtime-api-address.ts";
import { RuntimeApiError } from "./runtime-api-errors.ts";

/** One line of a map: the key HAProxy looks up and the value it answers. */
export interface MapEntry {
  key: string;
  value: string;
}

/** What `show info` says about the running HAProxy process. */
export interface HaproxyInfo {
  version: string;
  pid: number;
  uptimeSec: number;
  /** When the process started (ms since the epoch), from `Uptime_sec`: to tell a restart apart. */
  startedAtMs: number;
}

export interface RuntimeApiOptions {
  /** `host:port` or `unix:/path`. */
  address: string;
  /** Whole exchange (connect, send, answer) per command; default 2000 ms. */
  timeoutMs?: number;
  /**
   * Most characters sent in one command. HAProxy 2.6 reads a command and its payload into one 16 KiB
   * buffer and closes the connection without an answer when they do not fit; default 8000.
   */
  maxCommandChars?: number;
}

const keyNotFound = "Key not found.";
const unsafe = /[\s;\\]/;

/** Keys and values go into command lines: a space, `;` or backslash would change the command. */
function checked(...tokens: string[]): void {
  for (const token of tokens) {
    if (token === "" || unsafe.test(token))
      throw new TypeError(
        `refusing to send ${JSON.stringify(token)} to the runtime API: empty, or a space, ; or \\`,
      );
  }
}
const entryNotFound = "entry not found.";

/**
 * A client of HAProxy's runtime API (the `stats socket`): one connection per command, in HAProxy's
 * non-interactive mode, which answers and closes. Many entries go in `<<` payloads and `;` chains
 * cut to fit HAProxy's buffer.
 */
export class HaproxyRuntimeApi {
  readonly address: string;
  readonly #endpoint: RuntimeApiEndpoint;
  readonly #timeoutMs: number;
  readonly #maxCommandChars: number;

  constructor(options: RuntimeApiOptions) {
    this.address = options.address;
    this.#endpoint = parseRuntimeApiAddress(options.address);
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#maxCommandChars = options.maxCommandChars ?? 8000;
  }

  /** Sends one command line (with its payload, if any) and answers HAProxy's raw reply. */
  send(command: string, payload?: string): Promise<string> {
    const text = payload === undefined ? `${command}\n` : `${command} <<\n${payload}\n`;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const fail = (error: RuntimeApiError) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(error);
      };
      const socket: Socket =
        this.#endpoint.kind === "unix"
          ? connect({ path: this.#endpoint.path })
          : connect({ host: this.#endpoint.host, port: this.#endpoint.port });
      const timer = setTimeout(
        () => fail(new RuntimeApiError("EDGE_TIMEOUT", { address: this.address, command })),
        this.#timeoutMs,
      );
      socket.once("connect", () => socket.end(text));
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.once("error", (cause) => {
        clearTimeout(timer);
        fail(new RuntimeApiError("EDGE_UNREACHABLE", { address: this.address, command, cause }));
      });
      socket.once("close", () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        const answer = Buffer.concat(chunks).toString("utf8");
        if (answer === "")
          reject(
            new RuntimeApiError("EDGE_UNREACHABLE", {
              address: this.address,
              command,
              answer: "(closed without an answer)",
            }),
          );
        else resolve(answer);
      });
    });
  }

  /** `show info`: version, pid and uptime. */
  async showInfo(): Promise<HaproxyInfo> {
    const answer = await this.send("show info");
    const fields = new Map<string, string>();
    for (const line of answer.split("\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const pid = Number(fields.get("Pid"));
    const uptimeSec = Number(fields.get("Uptime_sec"));
    if (!Number.isInteger(pid) || !Number.isInteger(uptimeSec))
      throw new RuntimeApiError("EDGE_COMMAND_REFUSED", {
        address: this.address,
        command: "show info",
        answer,
      });
    return {
      version: fields.get("Version") ?? "",
      pid,
      uptimeSec,
      startedAtMs: Date.now() - uptimeSec * 1000,
    };
  }

  /** Every entry of `map` (its file name as in the configuration), in HAProxy's order, duplicates kept. */
  async showMap(map: string): Promise<MapEntry[]> {
    const command = `show map ${map}`;
    const answer = await this.send(command);
    const entries: MapEntry[] = [];
    for (const line of answer.split("\n")) {
      if (line === "") continue;
      const match = /^0x[0-9a-f]+ (\S+) (.*)$/.exec(line);
      if (!match)
        throw new RuntimeApiError("EDGE_COMMAND_REFUSED", { address: this.address, command, answer });
      entries.push({ key: match[1] as string, value: match[2] as string });
    }
    return entries;
  }

  /**
   * Adds entries with `add map <map> <<` payloads, as many commands as HAProxy's buffer needs; into
   * version `version` (from `prepare map`) when given. Adding a key already present adds a duplicate:
   * delete it first (see `delMapEntries`).
   */
  async addMapEntries(map: string, entries: Iterable<MapEntry>, version?: number): Promise<void> {
    const command = version === undefined ? `add map ${map}` : `add map @${version} ${map}`;
    const lines = [...entries].map((entry) => {
      checked(entry.key, entry.value);
      return `${entry.key} ${entry.value}\n`;
    });
    for (const payload of this.#fit(lines, command.length + 5, "")) {
      this.#expectSilence(command, await this.send(command, payload));
    }
  }

  /** Deletes every entry of each key (`del map`, chained with `;`); a key already absent is fine. */
  async delMapEntries(map: string, keys: Iterable<string>): Promise<void> {
    const commands = [...keys].map((key) => {
      checked(key);
      return `del map ${map} ${key}`;
    });
    for (const line of this.#fit(commands, 0, "; ")) {
      this.#expectSilence(line, await this.send(line), [keyNotFound]);
    }
  }

  /** `del map` for one key: answers false when the key was not there. */
  async delMapEntry(map: string, key: string): Promise<boolean> {
    checked(key);
    const command = `del map ${map} ${key}`;
    const answer = await this.send(command);
    if (answer.trim() === keyNotFound) return false;
    this.#expectSilence(command, answer);
    return true;
  }

  /** `set map` for one key: changes its value in place, answers false when the key is not there. */
  async setMapEntry(map: string, entry: MapEntry): Promise<boolean> {
    checked(entry.key, entry.value);
    const command = `set map ${map} ${entry.key} ${entry.value}`;
    const answer = await this.send(command);
    if (answer.trim() === entryNotFound) return false;
    this.#expectSilence(command, answer);
    return true;
  }

  /**
   * Replaces the whole map atomically: `prepare map`, the entries into that version, `commit map`.
   * Lookups see the old map until the commit and the new one after; nothing in between.
   */
  async replaceMap(map: string, entries: Iterable<MapEntry>): Promise<void> {
    const prepare = `prepare map ${map}`;
    const answer = await this.send(prepare);
    const version = /New version created: (\d+)/.exec(answer)?.[1];
    if (version === undefined)
      throw new RuntimeApiError("EDGE_COMMAND_REFUSED", { address: this.address, command: prepare, answer });
    await this.addMapEntries(map, entries, Number(version));
    const commit = `commit map @${version} ${map}`;
    this.#expectSilence(commit, await this.send(commit));
  }

  /** Throws EDGE_COMMAND_REFUSED unless every line of the answer is empty or one of `allowed`. */
  #expectSilence(command: string, answer: string, allowed: string[] = []): void {
    const said = answer.split("\n").filter((line) => line.trim() !== "" && !allowed.includes(line.trim()));
    if (said.length > 0)
      throw new RuntimeApiError("EDGE_COMMAND_REFUSED", {
        address: this.address,
        command,
        answer: said.join("\n"),
      });
  }

  /** Groups `parts` joined by `separator` so that each group plus `overhead` fits one command. */
  *#fit(parts: string[], overhead: number, separator: string): Generator<string> {
    let group: string[] = [];
    let size = overhead;
    for (const part of parts) {
      if (group.length > 0 && size + separator.length + part.length > this.#maxCommandChars) {
        yield group.join(separator);
        group = [];
        size = overhead;
      }
      group.push(part);
      size += separator.length + part.length;
    }
    if (group.length > 0) yield group.join(separator);
  }
}
