import { describe, expect, it } from "bun:test";
import { type ManifestObject, renderDeploy } from "../../helpers/deploy.ts";
import { helmLint, helmTemplate, helmTemplateError } from "../../helpers/helm.ts";

// charts/stackd rendered by the real helm (tools/helm.sh), against deploy/ as `kubectl kustomize` renders
// it. Integration rather than unit only because both binaries come from the local control plane's builds.
const idOf = (object: ManifestObject) =>
  `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
const ids = (objects: ManifestObject[]) => objects.map(idOf).toSorted();
const one = (objects: ManifestObject[], kind: string, name = "stackd") =>
  objects.find((object) => object.kind === kind && object.metadata.name === name) as ManifestObject;
const containerOf = (objects: ManifestObject[]) =>
  one(objects, "Deployment").spec.template.spec.containers[0];
const envOf = (objects: ManifestObject[]) =>
  Object.fromEntries(
    (containerOf(objects).env as Array<{ name: string; value?: string }>).map((variable) => [
      variable.name,
      variable.value,
    ]),
  );

describe("helm template charts/stackd with its default values", () => {
  it("renders deploy/'s objects, kind, name and namespace, and all but stackd's Namespace unless asked", async () => {
    const deploy = await renderDeploy();
    expect(ids(await helmTemplate({ "namespaces.createStackd": true }))).toEqual(ids(deploy));
    expect(ids(await helmTemplate())).toEqual(ids(deploy).filter((id) => id !== "Namespace//stackd"));
  });

  it("gives stackd's container what deploy/ gives it: image, env, probes, resources, security, mounts", async () => {
    const chart = containerOf(await helmTemplate());
    expect({ ...chart, imagePullPolicy: undefined }).toEqual({
      ...containerOf(await renderDeploy()),
      imagePullPolicy: undefined,
    });
  });

  it("grants exactly deploy/'s RBAC rules and keeps its pod, strategy, PDB and ingress policy", async () => {
    const [chart, deploy] = [await helmTemplate(), await renderDeploy()];
    for (const object of deploy.filter((each) => each.rules !== undefined || each.roleRef !== undefined)) {
      const rendered = one(chart, object.kind, object.metadata.name);
      expect({ rules: rendered.rules, roleRef: rendered.roleRef, subjects: rendered.subjects }).toEqual({
        rules: object.rules,
        roleRef: object.roleRef,
        subjects: object.subjects,
      });
    }
    const podSpec = (objects: ManifestObject[]) => {
      const {
        containers: _,
        topologySpreadConstraints: __,
        ...rest
      } = one(objects, "Deployment").spec.template.spec;
      return rest;
    };
    expect(podSpec(chart)).toEqual(podSpec(deploy));
    expect(one(chart, "Deployment").spec.strategy).toEqual(one(deploy, "Deployment").spec.strategy);
    expect(one(chart, "Deployment").spec.replicas).toBe(3);
    const { selector: _, ...budget } = one(chart, "PodDisruptionBudget").spec;
    expect(budget).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    const policy = "deny-ingress-to-non-stack-pods";
    expect(one(chart, "NetworkPolicy", policy).spec).toEqual(one(deploy, "NetworkPolicy", policy).spec);
  });

  it("labels the namespaces for Pod Security as deploy/ does", async () => {
    const [chart, deploy] = [await helmTemplate({ "namespaces.createStackd": true }), await renderDeploy()];
    for (const name of ["stackd", "stacks"])
      expect(one(chart, "Namespace", name).metadata.labels).toMatchObject(
        one(deploy, "Namespace", name).metadata.labels ?? {},
      );
  });

  it("passes helm lint --strict", async () => {
    const result = await helmLint();
    expect(result.stdout).toContain("0 chart(s) failed");
    expect(result.exitCode).toBe(0);
  });
});

describe("helm template charts/stackd with other values", () => {
  it("moves every reference to the stacks namespace with namespaces.stacks alone", async () => {
    const objects = await helmTemplate({ "namespaces.stacks": "ctf-stacks" });
    expect(JSON.stringify(objects)).not.toMatch(/"stacks"/);
    expect(envOf(objects).STACK_NAMESPACE).toBe("ctf-stacks");
    for (const kind of ["Role", "RoleBinding"])
      expect(one(objects, kind).metadata.namespace).toBe("ctf-stacks");
    expect(one(objects, "Namespace", "ctf-stacks")).toBeDefined();
    expect(one(objects, "NetworkPolicy", "deny-ingress-to-non-stack-pods").metadata.namespace).toBe(
      "ctf-stacks",
    );
  });

  it("mounts a keys Secret as a volume for API_KEYS_FILE, and sets STACK_RUNTIME_CLASS", async () => {
    const objects = await helmTemplate({
      "apiKeysFile.existingSecret": "stackd-keys",
      runtimeClass: "gvisor",
    });
    const env = envOf(objects);
    expect(env.API_KEYS_FILE).toBe("/etc/stackd/keys/keys");
    expect(env.STACK_RUNTIME_CLASS).toBe("gvisor");
    const pod = one(objects, "Deployment").spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: "api-keys", secret: { secretName: "stackd-keys" } });
    // A subPath mount is never updated when the Secret rotates: the whole directory is mounted.
    expect(containerOf(objects).volumeMounts).toContainEqual({
      name: "api-keys",
      mountPath: "/etc/stackd/keys",
      readOnly: true,
    });
  });

  it("runs one replica without leader election: no Lease rights, no PDB, Recreate so two never write", async () => {
    const objects = await helmTemplate({ replicas: 1, "leaderElection.enabled": false });
    const { spec } = one(objects, "Deployment");
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: "Recreate" });
    expect(one(objects, "Role", "stackd-leader-election")).toBeUndefined();
    expect(one(objects, "PodDisruptionBudget")).toBeUndefined();
    const env = envOf(objects);
    for (const name of ["LEADER_ELECTION_ENABLED", "LEADER_ELECTION_NAME", "STACKD_ADVERTISE_URL"])
      expect(env).not.toHaveProperty(name);
  });

  it("sets the exposure and isolation variables stackd reads, for gateway and hostport", async () => {
    const gateway = envOf(
      await helmTemplate({
        networkIsolation: true,
        "exposure.mode": "gateway",
        "exposure.domain": "inst.example.org",
        "exposure.port": 8443,
        "exposure.gateway.ref": "gateways/ctf",
        "exposure.gateway.tlsSection": "tls-players",
        "exposure.edgePeers.namespace": "gateways",
        "exposure.edgePeers.podLabels": { "app.kubernetes.io/name": "envoy", tier: "edge" },
      }),
    );
    expect(gateway).toMatchObject({
      STACK_NETWORK_ISOLATION: "on",
      STACK_EXPOSURE: "gateway",
      STACK_EXPOSURE_DOMAIN: "inst.example.org",
      STACK_EXPOSURE_PORT: "8443",
      STACK_GATEWAY: "gateways/ctf",
      STACK_GATEWAY_TLS_SECTION: "tls-players",
      STACK_EDGE_NAMESPACE: "gateways",
      STACK_EDGE_POD_LABELS: "app.kubernetes.io/name=envoy,tier=edge",
    });
    expect(gateway).not.toHaveProperty("STACK_GATEWAY_HTTPS_SECTION");
    const hostport = await helmTemplate({ "exposure.mode": "hostport", "exposure.hostPort.min": 30000 });
    expect(envOf(hostport)).toMatchObject({ STACK_EXPOSURE: "hostport", STACK_HOSTPORT_MIN: "30000" });
    expect(one(hostport, "Namespace", "stacks").metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe(
      "privileged",
    );
  });

  it("takes the keys Secret, image and resources from values", async () => {
    const objects = await helmTemplate({
      "apiKey.existingSecret": "platform-keys",
      "apiKey.key": "stackd",
      "image.repository": "registry.example.org/stackd",
      "image.tag": "0.2.0",
      "resources.limits.memory": "1Gi",
    });
    const container = containerOf(objects);
    expect(container.image).toBe("registry.example.org/stackd:0.2.0");
    expect(container.resources.limits).toEqual({ cpu: "1", memory: "1Gi" });
    const apiKey = container.env.find((variable: { name: string }) => variable.name === "API_KEY");
    expect(apiKey.valueFrom.secretKeyRef).toEqual({ name: "platform-keys", key: "stackd" });
  });

  it("refuses values stackd would refuse, naming the value", async () => {
    expect(await helmTemplateError({ "leaderElection.enabled": false })).toContain(
      "leaderElection.enabled must be true with 3 replicas",
    );
    expect(
      await helmTemplateError({ "exposure.mode": "gateway", "exposure.gateway.ref": "gw/ctf" }),
    ).toContain("exposure.domain (STACK_EXPOSURE_DOMAIN) is required with exposure.mode=gateway");
    expect(await helmTemplateError({ "exposure.mode": "gateway", "exposure.domain": "x.org" })).toContain(
      "exposure.gateway.ref (STACK_GATEWAY) must name the Gateway as namespace/name",
    );
    expect(
      await helmTemplateError({
        networkIsolation: true,
        "exposure.mode": "edge",
        "exposure.domain": "x.org",
      }),
    ).toContain("exposure.edgePeers.namespace (STACK_EDGE_NAMESPACE) is required");
    expect(await helmTemplateError({ "exposure.mode": "ingress" })).toContain(
      "at '/exposure/mode': value must be one of 'nodeport', 'gateway', 'edge', 'hostport'",
    );
    expect(await helmTemplateError({ replicas: 0 })).toContain("at '/replicas'");
  });

  it("passes helm lint --strict with non-default values", async () => {
    const result = await helmLint({
      replicas: 1,
      "leaderElection.enabled": false,
      "namespaces.stacks": "ctf-stacks",
      "exposure.mode": "edge",
      "exposure.domain": "inst.example.org",
    });
    expect(result.stdout).toContain("0 chart(s) failed");
    expect(result.exitCode).toBe(0);
  });
});
