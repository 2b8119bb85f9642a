import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** One refusal the sanitiser can give, as written in its source: `fail(\`${path} is required\`)`. */
export interface RefusalTemplate {
  file: string;
  /** The template with each `${...}` shown as `…`. */
  text: string;
  /** Matches any reason the template can produce. */
  pattern: RegExp;
  /** How many characters of the template are fixed text, to prefer the most specific match. */
  fixedLength: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The fixed parts of a string or template literal, or undefined for any other expression. */
function literalParts(node: ts.Expression | undefined): string[] | undefined {
  if (node === undefined) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) {
    return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
  }
  return undefined;
}

/** The first argument of `fail(...)` or `new InvalidPodSpecError(...)`, if the node is one of those. */
function refusalArgument(node: ts.Node): ts.Expression | undefined {
  const isRefusal =
    (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "fail") ||
    (ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "InvalidPodSpecError");
  return isRefusal ? node.arguments?.[0] : undefined;
}

function templatesIn(file: string, source: string): RefusalTemplate[] {
  const found: RefusalTemplate[] = [];
  const visit = (node: ts.Node) => {
    const parts = literalParts(refusalArgument(node));
    if (parts) {
      found.push({
        file,
        text: parts.join("…"),
        pattern: new RegExp(`^${parts.map(escapeRegExp).join("(.*)")}$`, "s"),
        fixedLength: parts.join("").length,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest));
  return found;
}

/** Every refusal written as a literal in the .ts files of `dir`, except the files named in `except`. */
export function refusalTemplates(dir: string, except: readonly string[] = []): RefusalTemplate[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && !except.includes(file))
    .flatMap((file) => templatesIn(file, readFileSync(join(dir, file), "utf8")));
}

/** The templates that produced none of `reasons`, crediting each reason only to its most specific match. */
export function templatesNotProduced(
  templates: readonly RefusalTemplate[],
  reasons: readonly string[],
): RefusalTemplate[] {
  const produced = new Set<RefusalTemplate>();
  for (const reason of reasons) {
    const matching = templates.filter((template) => template.pattern.test(reason));
    const best = Math.max(...matching.map((template) => template.fixedLength));
    for (const template of matching) if (template.fixedLength === best) produced.add(template);
  }
  return templates.filter((template) => !produced.has(template));
}
