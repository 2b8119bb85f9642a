import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileTargets } from "../../helpers/dockerfile.ts";

// What the Dockerfile's build stage runs for each TARGETARCH, run here: Bun fetches the target's runtime
// (from the npm registry) and writes an executable for that architecture. No container engine needed.
const repo = resolve(import.meta.dir, "../../..");
const out = mkdtempSync(join(tmpdir(), "stackd-cross-"));
// ELF e_machine (bytes 18-19, little-endian) for each Docker architecture.
const elfMachine: Record<string, number | undefined> = { amd64: 0x3e, arm64: 0xb7 };

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("bun build --compile for the Dockerfile's targets", async () => {
  for (const [arch, target] of Object.entries(await compileTargets())) {
    it(`writes a linux ${arch} ELF executable for --target=${target}`, async () => {
      const outfile = join(out, `stackd-${arch}`);
      const build = Bun.spawn(
        [
          process.execPath,
          "build",
          "--compile",
          "--minify",
          `--target=${target}`,
          "src/main.ts",
          "--outfile",
          outfile,
        ],
        { cwd: repo, stdout: "ignore", stderr: "pipe" },
      );
      const stderr = await new Response(build.stderr).text();
      expect({ exitCode: await build.exited, stderr: build.exitCode === 0 ? "" : stderr }).toEqual({
        exitCode: 0,
        stderr: "",
      });
      const header = new Uint8Array(await Bun.file(outfile).slice(0, 20).arrayBuffer());
      expect([...header.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
      expect(header[4]).toBe(2); // 64-bit
      const machine = new DataView(header.buffer).getUint16(18, true);
      expect(machine).toBe(elfMachine[arch] ?? -1);
    }, 120_000);
  }
});
