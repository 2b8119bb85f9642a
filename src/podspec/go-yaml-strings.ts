import { type ScalarTag, Schema } from "yaml";
import { withDigitFloats } from "./yaml-tags.ts";

const stringTag = "tag:yaml.org,2002:str";
/** Go's emitter folds a flow scalar at the first single space once the line passes this column. */
const bestWidth = 80;

const yaml11 = new Schema({ schema: "yaml-1.1", customTags: withDigitFloats });
const libraryString = yaml11.tags.find(
  (tag): tag is ScalarTag => typeof tag === "object" && tag.tag === stringTag,
);

/** Implicit scalar types of YAML 1.1 (as Go and stackd read it) and 1.2 (which plain `yaml.parse` reads). */
const implicitTests: RegExp[] = [yaml11, new Schema({ schema: "core" })].flatMap((schema) =>
  schema.tags.flatMap((tag) =>
    typeof tag === "object" && tag.default === true && tag.tag !== stringTag && tag.test ? [tag.test] : [],
  ),
);

/** Characters Go's emitter will not print raw: controls, tab, NEL, BOM and anything outside the BMP. */
const unprintable = /[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]/u;

const namedEscapes: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\v": "v",
  "\f": "f",
  "\r": "r",
  "\x1b": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\u2028": "L",
  "\u2029": "P",
};

/** Whether Go would double-quote the string: it would read back as another type, or it has unprintable characters. */
export function needsDoubleQuotes(text: string): boolean {
  return unprintable.test(text) || implicitTests.some((test) => test.test(text));
}

function escapeForDoubleQuotes(char: string): string {
  const named = namedEscapes[char];
  if (named !== undefined) return `\\${named}`;
  if (!unprintable.test(char)) return char;
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
}

/** A double-quoted scalar written as Go's emitter writes it, folding long lines when breaks are allowed. */
function goDoubleQuoted(text: string, column: number | undefined, indent: string): string {
  const chars = Array.from(text);
  let out = '"';
  let at = (column ?? 0) + 1;
  let afterSpace = false;
  chars.forEach((char, index) => {
    const breakable = column !== undefined && index > 0 && index < chars.length - 1;
    if (char === " " && breakable && !afterSpace && at > bestWidth) {
      const escapeNext = chars[index + 1] === " " ? "\\" : "";
      out += `\n${indent}${escapeNext}`;
      at = indent.length + escapeNext.length;
    } else {
      const written = escapeForDoubleQuotes(char);
      out += written;
      at += written.length;
    }
    afterSpace = char === " ";
  });
  return `${out}"`;
}

/** Folds a one-line plain or single-quoted scalar the way Go does: at a lone space once past column 80. */
function goFold(text: string, column: number, indent: string, quoted: boolean): string {
  const chars = Array.from(text);
  let out = "";
  let at = column;
  let afterSpace = false;
  chars.forEach((char, index) => {
    const next = chars[index + 1];
    const inside = !quoted || (index > 1 && index < chars.length - 2);
    if (char === " " && inside && !afterSpace && at > bestWidth && next !== undefined && next !== " ") {
      out += `\n${indent}`;
      at = indent.length;
    } else {
      out += char;
      at += 1;
    }
    afterSpace = char === " ";
  });
  return out;
}

type StringifyContext = Parameters<NonNullable<ScalarTag["stringify"]>>[1];

/** The column where a value scalar starts: after `key: ` for a mapping value, after `- ` for a list item. */
function startColumn(ctx: StringifyContext): number {
  if (ctx.indentAtStart === undefined) return ctx.indent.length;
  return ctx.indent.length - ctx.indentStep.length + ctx.indentAtStart;
}

/** Go marks a literal that starts with a line break with an explicit indentation and leaves blank lines empty. */
function withIndentIndicator(literal: string): string {
  return literal.replace(/^\|([-+]?)\n/, "|2$1\n").replace(/^ +$/gm, "");
}

function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The `str` tag with Go's choice of style, quoting and line folding. */
export const goStringTag: ScalarTag = {
  ...(libraryString as ScalarTag),
  stringify(item, ctx, onComment, onChompKeep) {
    const text = String(item.value);
    const column = ctx.implicitKey ? undefined : startColumn(ctx);
    if (needsDoubleQuotes(text)) return goDoubleQuoted(text, column, ctx.indent);
    if (text.includes("\n")) {
      const literalAllowed = column !== undefined && !/ \n/.test(text) && !text.endsWith(" ");
      if (!literalAllowed) return goDoubleQuoted(text, column, ctx.indent);
    }
    const unfolded = { ...ctx, options: { ...ctx.options, lineWidth: 0 } };
    let written = libraryString?.stringify?.(item, unfolded, onComment, onChompKeep) ?? text;
    if (text.includes("\n")) return text.startsWith("\n") ? withIndentIndicator(written) : written;
    if (/^['"]/.test(written) || /^(---|\.\.\.)/.test(text)) written = singleQuoted(text);
    return column === undefined ? written : goFold(written, column, ctx.indent, written.startsWith("'"));
  },
};
