import { Elysia } from "elysia";

/**
 * A route's own declaration that only the leader can serve it (`servedBy: "leader"`): a write, or a
 * read of what only the leader holds. On a follower such a request goes to the leader as it came.
 */
export const servedByMacro = new Elysia({ name: "served-by" }).macro({
  servedBy: (_server: "leader") => ({}),
});

interface DeclaredRoute {
  method: string;
  path: string;
  hooks: unknown;
}

const segmentsOf = (path: string) => path.split("/").filter((segment) => segment !== "");

/**
 * Whether the route a request reaches declares `servedBy: "leader"`. As Elysia's router does, a
 * static segment wins over a parameter (`/stacks/batch-delete/x` is a job, not a stack's sub-path).
 */
export function leaderRoutes(routes: readonly DeclaredRoute[]): (method: string, path: string) => boolean {
  const declared = routes.map((route) => ({
    method: route.method,
    segments: segmentsOf(route.path),
    leader: (route.hooks as { servedBy?: unknown } | undefined)?.servedBy === "leader",
  }));
  return (method, path) => {
    const wanted = segmentsOf(path);
    let best: (typeof declared)[number] | undefined;
    let bestScore = -1;
    for (const route of declared) {
      if (route.method !== method || route.segments.length !== wanted.length) continue;
      const score = matchScore(route.segments, wanted);
      if (score > bestScore) [best, bestScore] = [route, score];
    }
    return best?.leader ?? false;
  };
}

/** -1 when the template does not match; else a number that is higher the earlier its static segments. */
function matchScore(template: string[], segments: string[]): number {
  let score = 0;
  for (const [index, part] of template.entries()) {
    const isParameter = part.startsWith(":");
    if (!isParameter && part !== segments[index]) return -1;
    score = score * 2 + (isParameter ? 0 : 1);
  }
  return score;
}
