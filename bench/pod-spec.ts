/** The small pod spec every benchmark creates: one container, one port, tiny limits so nodes fit thousands. */
export const benchPodSpec = [
  "apiVersion: v1",
  "kind: Pod",
  "metadata: {name: challenge}",
  "spec:",
  "  containers:",
  "  - name: app",
  "    image: nginx:stable",
  "    ports: [{containerPort: 80}]",
  "    resources: {limits: {cpu: 10m, memory: 16Mi}}",
].join("\n");
