import type { ApiClient } from "./api-client.ts";
import type { StackSummary } from "./format.ts";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** The create form: `POST /stacks`, the API's error shown beside the field it names; `onCreated` gets the new record. */
export function bindCreateForm(api: ApiClient, onCreated: (stack: StackSummary) => void): void {
  byId("create-form").onsubmit = async (event) => {
    event.preventDefault();
    byId("target-port-error").textContent = "";
    byId("pod-spec-error").textContent = "";
    const targetPort = Number(byId<HTMLInputElement>("target-port").value);
    if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) {
      byId("target-port-error").textContent = "target port must be a whole number from 1 to 65535";
      return;
    }
    const button = byId<HTMLButtonElement>("create-button");
    button.disabled = true;
    try {
      const podSpec = byId<HTMLTextAreaElement>("pod-spec").value;
      const answer = await api.call("POST", "/stacks", { target_port: targetPort, pod_spec: podSpec });
      if (answer.status === 201) {
        onCreated(answer.body as StackSummary);
        return;
      }
      const message = String(answer.body?.error ?? `stackd answered ${answer.status}`);
      byId(/target_port/.test(message) ? "target-port-error" : "pod-spec-error").textContent = message;
    } catch (error) {
      byId("pod-spec-error").textContent = String(error);
    } finally {
      button.disabled = false;
    }
  };
}
