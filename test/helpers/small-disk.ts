import { afterAll, beforeAll } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * A 2 MiB tmpfs mounted at `<dir>/tmpfs` for the tests of a file or describe block (root only, as CI
 * runs): a disk that a test can fill. `mounted` is false where mounting is not allowed.
 */
export function smallDisk(dir: string) {
  const disk = { path: join(dir, "tmpfs"), mounted: false };
  beforeAll(() => {
    mkdirSync(disk.path, { recursive: true });
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.path], { stdio: "ignore" });
      disk.mounted = true;
    } catch {
      disk.mounted = false;
    }
  });
  afterAll(() => {
    if (disk.mounted) execFileSync("umount", ["-l", disk.path], { stdio: "ignore" });
  });
  return disk;
}
