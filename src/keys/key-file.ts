/** A key and the name that stands for it in logs. */
export interface NamedKey {
  name: string;
  key: string;
}

/** A key file line that cannot be used; the message names the file and the line. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
  readonly file: string;
  readonly line: number | null;

  constructor(file: string, line: number | null, message: string) {
    super(line === null ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.file = file;
    this.line = line;
  }
}

/** A name: what the access log shows. Letters, digits, '.', '_', '-'; at most 63 characters. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** A key: printable ASCII without spaces (it travels in a header), at least 16 characters. */
const keyPattern = /^[\x21-\x7e]+$/;
export const minKeyLength = 16;

/** Why a line's name or key cannot be used, or null. */
function refusal(name: string, key: string): string | null {
  if (!namePattern.test(name))
    return `name "${name}" must be letters, digits, '.', '_' or '-' (at most 63, starting with a letter or digit)`;
  if (!keyPattern.test(key)) return `the key of "${name}" must be printable ASCII without spaces`;
  if (key.length < minKeyLength)
    return `the key of "${name}" has ${key.length} characters, at least ${minKeyLength} are required`;
  return null;
}

/**
 * Parses an API keys file: one `name key` pair per line, separated by spaces or tabs; blank lines and
 * lines starting with `#` are skipped. Refuses a malformed line, a bad name or key, a name or key seen
 * before (in the file or in `reserved`, the keys configured elsewhere), and a file without a key.
 */
export function parseKeyFile(text: string, options: { file: string; reserved?: NamedKey[] }): NamedKey[] {
  const { file } = options;
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const { name, key } of options.reserved ?? []) {
    names.set(name, "is configured by API_KEY");
    keys.set(key, `is API_KEY's (named "${name}")`);
  }
  const entries: NamedKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === "" || content.startsWith("#")) return;
    const fields = content.split(/[ \t]+/);
    const [name, key] = fields;
    if (fields.length !== 2 || name === undefined || key === undefined)
      throw new KeyFileError(file, line, `expected "name key", got ${fields.length} fields`);
    const problem = refusal(name, key);
    if (problem) throw new KeyFileError(file, line, problem);
    const nameSeen = names.get(name);
    if (nameSeen) throw new KeyFileError(file, line, `name "${name}" ${nameSeen}`);
    const keySeen = keys.get(key);
    if (keySeen) throw new KeyFileError(file, line, `the key of "${name}" ${keySeen}`);
    names.set(name, `is already on line ${line}`);
    keys.set(key, `is already on line ${line} (named "${name}")`);
    entries.push({ name, key });
  });
  if (entries.length === 0) throw new KeyFileError(file, null, "holds no key");
  return entries;
}
