// deploy/ checked without a cluster or a Docker engine: every Kubernetes manifest against the
// Kubernetes schemas (kubernetes-models), the kustomizations' references, the Dockerfile's runtime
// stage, and the compose quickstart's wiring and environment names.
import { readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { agentEndpoints } from "../../agent/observability/health-routes.js";
import {
  DEPLOY, dockerStages, envNamesDocumented, envNamesReadByCli, isDoc, kustomizationIn, list,
  readKustomization, readYaml, ROOT, sourceFiles, yamlFiles, type Doc, type Kustomization,
} from "./deploy-files.js";
import { containers, envOf, field, mergePatch, objectId, selects, validateObject } from "./kubernetes-objects.js";
import { kubectlAvailable, kustomize } from "./kustomize.js";
import { installedWithoutDev, runtimeImports } from "./runtime-imports.js";

const KUBE = join(DEPLOY, "kubernetes");
const files = yamlFiles(KUBE);
const kustomizations = files.filter((file) => basename(file) === "kustomization.yaml").map(readKustomization);
const patchFiles = new Set(kustomizations.flatMap((k) => k.patches));
const manifestFiles = files.filter((file) => basename(file) !== "kustomization.yaml" && !patchFiles.has(file));
const rel = (file: string) => relative(ROOT, file);

// Settings a container may set: read by the CLI and documented (docs/configuration.md).
const cliReads = envNamesReadByCli();
const documented = envNamesDocumented();
const knownEnv = [...cliReads].filter((name) => documented.has(name));

/** The objects a kustomization builds: its resources, with its own and its bases' patches merged in. */
function build(k: Kustomization): Doc[] {
  const objects = k.resources.flatMap((path) => {
    const nested = kustomizationIn(path);
    return nested === undefined ? readYaml(path) : build(readKustomization(nested));
  });
  for (const patch of k.patches.flatMap(readYaml)) {
    const at = objects.findIndex((object) => objectId(object) === objectId(patch));
    if (at < 0) throw new Error(`${rel(k.file)}: patch target ${objectId(patch)} is not among its resources`);
    objects[at] = mergePatch(objects[at], patch) as Doc;
  }
  return objects;
}

// Built on first use, so that a broken kustomization fails its test rather than the whole file.
let built: Doc[] | undefined;
const example = () => (built ??= build(readKustomization(join(KUBE, "overlays/example/kustomization.yaml"))));
const deployments = () => example().filter((object) => object.kind === "Deployment");
const byComponent = (kind: string, component: string) =>
  example().find((o) => o.kind === kind && field(o, "metadata", "labels", "app.kubernetes.io/component") === component)!;
const controlPlane = () => byComponent("Deployment", "control-plane");
const agent = () => byComponent("Deployment", "agent");

describe("deploy/kubernetes", () => {
  it("every manifest parses and validates against the Kubernetes schema of its kind", () => {
    expect(manifestFiles.length).toBeGreaterThanOrEqual(7);
    for (const file of manifestFiles) {
      for (const doc of readYaml(file)) expect(() => validateObject(doc), rel(file)).not.toThrow();
    }
  });

  it("kustomizations name files that exist, and every manifest is named by one", () => {
    const named = new Set<string>();
    for (const k of kustomizations) {
      expect(k.doc.kind, rel(k.file)).toBe("Kustomization");
      for (const path of [...k.resources, ...k.patches]) {
        const isFile = files.includes(path);
        expect(isFile || kustomizationIn(path) !== undefined, `${rel(k.file)} names ${rel(path)}`).toBe(true);
        named.add(path);
      }
    }
    for (const file of manifestFiles) expect(named.has(file), `${rel(file)} is in no kustomization`).toBe(true);
  });

  it("every kustomization builds, and what the example overlay builds (patches merged) validates", () => {
    for (const k of kustomizations) expect(() => build(k), rel(k.file)).not.toThrow();
    for (const object of example()) expect(() => validateObject(object), objectId(object)).not.toThrow();
    expect(example().map(objectId).sort()).toEqual([
      "Deployment/palisade-agent", "Deployment/palisade-control-plane", "Namespace/palisade",
      "PodDisruptionBudget/palisade-agent", "PodDisruptionBudget/palisade-control-plane",
      "Service/palisade-agent", "Service/palisade-control-plane",
    ]);
  });

  // The checks above read the manifests as written; where kubectl is installed, kustomize itself
  // renders each kustomization (name suffixes, labels, images applied) and the result is validated.
  it.skipIf(!kubectlAvailable())("kubectl kustomize renders every kustomization into valid objects", () => {
    for (const k of kustomizations) {
      const rendered = kustomize(join(k.file, ".."));
      expect(rendered.length, rel(k.file)).toBeGreaterThan(0);
      for (const object of rendered) expect(() => validateObject(object), objectId(object)).not.toThrow();
    }
    const agentEu = kustomize(join(KUBE, "overlays/example")).find((o) => objectId(o) === "Deployment/palisade-agent-eu")!;
    expect(field(agentEu, "metadata", "namespace")).toBe("palisade");
    expect(field(agentEu, "spec", "selector", "matchLabels", "palisade.dev/segment")).toBe("eu");
    const [container] = containers(agentEu);
    expect(container!.image).toBe("registry.example.com/palisade:0.1.0");
    expect(field(envOf(container!).get("PALISADE_AGENT_TOKEN"), "valueFrom", "secretKeyRef", "name")).toBe("palisade-agent-eu");
  });

  it("runs 2+ control-plane replicas behind a Service, with a PodDisruptionBudget of minAvailable 1", () => {
    expect(field(controlPlane(), "spec", "replicas")).toBeGreaterThanOrEqual(2);
    for (const deployment of deployments()) {
      const labels = field(deployment, "spec", "template", "metadata", "labels");
      const component = field(deployment, "metadata", "labels", "app.kubernetes.io/component") as string;
      expect(selects(field(deployment, "spec", "selector", "matchLabels"), labels), objectId(deployment)).toBe(true);
      const pdb = byComponent("PodDisruptionBudget", component);
      expect(field(pdb, "spec", "minAvailable")).toBe(1);
      expect(selects(field(pdb, "spec", "selector", "matchLabels"), labels), objectId(pdb)).toBe(true);
      const service = byComponent("Service", component);
      expect(selects(field(service, "spec", "selector"), labels), objectId(service)).toBe(true);
      const portNames = containers(deployment).flatMap((c) => list(c.ports).map((p) => field(p, "name")));
      for (const port of list(field(service, "spec", "ports"))) expect(portNames).toContain(field(port, "targetPort"));
    }
  });

  it("every container probes, bounds its resources, and runs non-root on a read-only root filesystem", () => {
    for (const deployment of deployments()) {
      const pod = field(deployment, "spec", "template", "spec");
      expect(field(pod, "securityContext", "runAsNonRoot"), objectId(deployment)).toBe(true);
      expect(field(pod, "securityContext", "runAsUser")).not.toBe(0);
      for (const container of containers(deployment)) {
        const where = `${objectId(deployment)} ${String(container.name)}`;
        expect(isDoc(container.readinessProbe) && isDoc(container.livenessProbe), where).toBe(true);
        for (const key of ["requests", "limits"]) {
          expect(field(container, "resources", key, "cpu"), where).toBeDefined();
          expect(field(container, "resources", key, "memory"), where).toBeDefined();
        }
        expect(field(container, "securityContext")).toMatchObject({
          allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] },
        });
        // A read-only root filesystem: the temporary directory must be a volume.
        expect(list(container.volumeMounts).map((m) => field(m, "mountPath")), where).toContain("/tmp");
        expect(container.image).toBe("palisade");
      }
    }
  });

  it("the control plane reads its three secrets from a Secret and probes GET /healthz on its port", () => {
    const [container] = containers(controlPlane());
    expect(container!.args).toEqual(["control-plane"]);
    const env = envOf(container!);
    for (const name of ["DATABASE_URL", "PALISADE_ADMIN_TOKEN", "PALISADE_SECRET_KEY"]) {
      expect(field(env.get(name), "valueFrom", "secretKeyRef", "name"), name).toBe("palisade-control-plane");
    }
    const port = list(container!.ports).find((p) => field(p, "name") === "grpc");
    expect(field(port, "containerPort")).toBe(7070);
    expect(field(env.get("PALISADE_LISTEN"), "value")).toBe("0.0.0.0:7070");
    for (const probe of ["startupProbe", "livenessProbe"]) {
      expect(field(container, probe, "httpGet"), probe).toEqual({ path: "/healthz", port: "grpc" });
    }
    expect(field(container, "readinessProbe", "httpGet")).toEqual({ path: "/readyz", port: "grpc" });
    // Paths the control plane serves (docs/observability.md): string literals of its sources.
    const sources = sourceFiles(join(ROOT, "control-plane")).map((file) => readFileSync(file, "utf8")).join("\n");
    for (const path of ["/healthz", "/readyz"]) expect(sources).toContain(`"${path}"`);
  });

  it("agents dial the control plane's Service and read their segment's enrolment token from a Secret", () => {
    const [container] = containers(agent());
    expect(container!.args).toEqual(["agent"]);
    const env = envOf(container!);
    const service = byComponent("Service", "control-plane");
    const port = field(list(field(service, "spec", "ports"))[0], "port");
    expect(field(env.get("PALISADE_SERVER"), "value")).toBe(`http://${String(field(service, "metadata", "name"))}:${String(port)}`);
    // The example overlay's patch replaced the base's Secret name with its segment's.
    expect(field(env.get("PALISADE_AGENT_TOKEN"), "valueFrom", "secretKeyRef")).toEqual({
      name: "palisade-agent-eu", key: "enrolment-token",
    });
    expect(field(env.get("PALISADE_AGENT_LISTEN"), "value")).toBe("0.0.0.0:8080");
    expect(field(container, "livenessProbe", "httpGet")).toEqual({ path: agentEndpoints.health, port: "http" });
    expect(field(container, "readinessProbe", "httpGet")).toEqual({ path: agentEndpoints.ready, port: "http" });
    expect(field(agent(), "spec", "template", "metadata", "annotations", "prometheus.io/path")).toBe(agentEndpoints.metrics);
  });

  it("containers set only environment names the CLI reads and docs/configuration.md documents", () => {
    expect(knownEnv).toEqual(expect.arrayContaining(["DATABASE_URL", "PALISADE_SERVER", "PALISADE_AGENT_TOKEN"]));
    for (const deployment of deployments()) {
      for (const container of containers(deployment)) {
        for (const name of envOf(container).keys()) expect(knownEnv, `${objectId(deployment)} sets ${name}`).toContain(name);
      }
    }
  });
});

describe("deploy/Dockerfile", () => {
  const { args, stages } = dockerStages(readFileSync(join(DEPLOY, "Dockerfile"), "utf8"));
  const runtime = stages.at(-1)!;
  const all = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);
  const image = (from: string) => from.split(/\s+/)[0]!.replace(/^\$\{?(\w+)\}?$/, (_, name: string) => args.get(name) ?? "");

  it("builds on Node 24: a build stage compiling the sources (dist/) and the console (console/dist) and dropping the devDependencies, then a runtime stage", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string>; scripts: Record<string, string> };
    const nodeMajor = pkg.devDependencies.node!.split(".")[0];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(image(stage[0]!.args)).toMatch(new RegExp(`^node:${nodeMajor}(-|$)`));
    // `npm ci` runs `prepare`, which is the build; what the runtime gets is pruned to production.
    expect(pkg.scripts.prepare).toContain("npm run build");
    expect(pkg.scripts.build).toContain("build:server");
    expect(pkg.scripts.build).toContain("build:console");
    const runs = stages.flatMap((stage) => stage.filter((i) => i.keyword === "RUN").map((i) => i.args));
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    for (const run of runs.filter((r) => /\bnpm ci\b/.test(r))) expect(run).toMatch(/--omit=dev|npm prune --omit=dev/);
    expect(runtime.some((i) => i.keyword === "COPY" && /--from=\S+.*node_modules/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === "COPY" && /--from=\S+\s+\S*\/dist\s+\S*dist$/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === "COPY" && /--from=\S+ \S*console\/dist \.\/console\/dist/.test(i.args))).toBe(true);
  });

  it("runs as a non-root user with node cli/bin.js, control-plane by default, and checks /healthz", () => {
    const user = all("USER").at(-1);
    expect(user).toBeDefined();
    expect(user!.split(":")[0]).not.toMatch(/^(root|0)$/);
    expect(JSON.parse(all("ENTRYPOINT").at(-1)!)).toEqual(["node", "cli/bin.js"]);
    expect(JSON.parse(all("CMD").at(-1)!)).toEqual(["control-plane"]);
    expect(all("EXPOSE").join(" ").split(/\s+/)).toEqual(expect.arrayContaining(["7070", "8080"]));
    expect(all("HEALTHCHECK").at(-1)).toMatch(/127\.0\.0\.1:7070\/healthz/);
  });

  it("compiles every file the entry point can load, runs the build, and its packages install without devDependencies", () => {
    const copiedIn = (stage: typeof runtime) => stage
      .filter((i) => i.keyword === "COPY" && !i.args.includes("--from="))
      .flatMap((i) => i.args.split(/\s+/).filter((word) => !word.startsWith("--")).slice(0, -1));
    const builder = stages.find((stage) => / AS build$/i.test(stage[0]!.args))!;
    expect(builder, "a stage named build").toBeDefined();
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n").map((line) => line.trim());
    for (const path of [...copiedIn(builder), ...copiedIn(runtime)]) expect(ignored, `.dockerignore drops ${path}`).not.toContain(path);
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/.env", "dist"]));
    // The sources the build compiles: everything cli/bin.js reaches (through cli/main.ts).
    const reached = runtimeImports("cli/bin.js");
    for (const file of [...reached.files, "package.json", "tsconfig.json", "tsconfig.build.json"]) {
      expect(copiedIn(builder).some((path) => file === path || file.startsWith(`${path}/`)), `${file} is not copied into the build stage`).toBe(true);
    }
    for (const file of ["cli/bin.js", "package.json"]) expect(copiedIn(runtime), `${file} is not in the runtime`).toContain(file);
    for (const name of reached.packages) expect(installedWithoutDev(name), `${name} is a devDependency`).toBe(true);
  });
});

describe("deploy/compose.yaml", () => {
  const [compose] = readYaml(join(DEPLOY, "compose.yaml"));
  const service = (name: string) => field(compose, "services", name) as Doc;
  const env = (name: string) => (field(service(name), "environment") ?? {}) as Record<string, string>;
  const url = (value: string) => new URL(value.replace(/\$\{[^}]*\}/g, "x"));

  it("wires PostgreSQL 16, the control plane and the agent together", () => {
    expect(field(service("postgres"), "image")).toBe("postgres:16");
    expect(field(service("control-plane"), "build")).toEqual({ context: "..", dockerfile: "deploy/Dockerfile" });
    expect(field(service("control-plane"), "command")).toEqual(["control-plane"]);
    expect(field(service("agent"), "command")).toEqual(["agent"]);
    const database = url(env("control-plane").DATABASE_URL!);
    expect(database.hostname).toBe("postgres");
    expect(database.username).toBe(env("postgres").POSTGRES_USER);
    expect(database.pathname).toBe(`/${env("postgres").POSTGRES_DB}`);
    const server = url(env("agent").PALISADE_SERVER!);
    expect(server.host).toBe(`control-plane:${env("control-plane").PALISADE_LISTEN!.split(":").at(-1)}`);
    expect(env("cli").PALISADE_SERVER).toBe(env("agent").PALISADE_SERVER);
    expect(list(field(service("agent"), "healthcheck", "test")).join(" ")).toContain(`127.0.0.1:8080${agentEndpoints.ready}`);
  });

  it("sets only environment names the CLI reads, the secrets from .env", () => {
    expect(Object.keys(env("control-plane"))).toEqual(
      expect.arrayContaining(["DATABASE_URL", "PALISADE_ADMIN_TOKEN", "PALISADE_SECRET_KEY"]));
    expect(Object.keys(env("agent"))).toEqual(expect.arrayContaining(["PALISADE_SERVER", "PALISADE_AGENT_TOKEN"]));
    for (const name of ["control-plane", "agent", "cli"]) {
      for (const key of Object.keys(env(name))) expect(knownEnv, `${name} sets ${key}`).toContain(key);
    }
    // Every variable compose.yaml substitutes has its placeholder line in .env.example.
    const envExample = readFileSync(join(DEPLOY, ".env.example"), "utf8");
    const used = readFileSync(join(DEPLOY, "compose.yaml"), "utf8").matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g);
    for (const [, name] of used) expect(envExample, name).toMatch(new RegExp(`^(# )?${name}=`, "m"));
  });
});
