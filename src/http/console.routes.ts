import { Elysia } from "elysia";
import type { NodeOverview } from "../cluster/node-overview.ts";
import { AppError } from "../errors/app-error.ts";
import { clientSummary, toKubeApiError } from "../kube/errors.ts";
import type { StackDiagnostics } from "../stacks/stack-diagnostics.ts";
import { consoleModel } from "./console.model.ts";
import { queryRefusal } from "./list-query.ts";
import { errorAnswers, stackModel } from "./model.ts";
import { servedByMacro } from "./served-by.ts";
import { strictQuery } from "./strict-schema.ts";

export interface ConsoleRoutesOptions {
  diagnostics: Pick<StackDiagnostics, "events" | "logs">;
  /** The stack nodes, read from the cluster now (`nodeOverview`). */
  nodes: () => Promise<NodeOverview>;
}

/** What the console explains a failure with: a stack's Pod Events and logs, and the stack nodes. */
export function consoleRoutes({ diagnostics, nodes }: ConsoleRoutesOptions) {
  return new Elysia({ name: "console" })
    .use(servedByMacro)
    .get(
      "/stacks/:stack_id/events",
      async ({ params }) => ({
        stack_id: params.stack_id,
        events: await diagnostics.events(params.stack_id),
      }),
      {
        params: stackModel.stackParams,
        response: { 200: consoleModel.events, ...errorAnswers(401, 404, 503) },
        detail: {
          summary: "The Kubernetes Events of a stack's Pod (why it is pending, failing or restarting)",
          description: "Read from the cluster at each request: any replica answers.",
          tags: ["stacks"],
        },
      },
    )
    .get("/stacks/:stack_id/logs", ({ params, query }) => diagnostics.logs(params.stack_id, query), {
      params: stackModel.stackParams,
      query: strictQuery(consoleModel.logsQuery, queryRefusal),
      response: { 200: consoleModel.logs, ...errorAnswers(400, 401, 404, 409, 503) },
      detail: {
        summary: "The last log lines of a container of a stack's Pod",
        description:
          "Through the API server's `pods/log`, read at each request: any replica answers. 409 while the Pod has no logs (not scheduled, its container not started yet, or the Pod gone); 400 for a container the Pod does not have.",
        tags: ["stacks"],
      },
    })
    .get(
      "/nodes",
      async () => {
        try {
          return await nodes();
        } catch (error) {
          if (error instanceof AppError) throw error;
          const failure = toKubeApiError(error);
          throw new AppError("KUBERNETES_UNAVAILABLE", `kubernetes unavailable: ${clientSummary(failure)}`, {
            cause: failure,
          });
        }
      },
      {
        // The free ports are the leader's allocators' own count.
        servedBy: "leader",
        response: { 200: consoleModel.nodes, ...errorAnswers(401, 503) },
        detail: {
          summary: "The stack nodes: capacity, allocatable, stacks, and free NodePorts or host ports",
          tags: ["stacks"],
        },
      },
    );
}
