/** C0 controls, DEL and C1 controls, but tab (U+0009) and newline (U+000A). */
const isRefusedControl = (code: number) =>
  (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);

/**
 * Where a text has a control character an env value may not carry (a NUL ends it for every C program
 * that reads it; CR and escapes rewrite what a terminal or a log shows), described without the text:
 * `U+0000 at character 5`. Undefined when it has none; tab and newline are allowed.
 */
export function refusedControlCharacter(text: string): string | undefined {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isRefusedControl(code))
      return `U+${code.toString(16).toUpperCase().padStart(4, "0")} at character ${index + 1}`;
  }
  return undefined;
}
