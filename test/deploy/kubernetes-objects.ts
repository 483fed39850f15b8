// Kubernetes objects of deploy/kubernetes: schema validation through kubernetes-models, and the
// small part of a strategic-merge patch the overlays use (maps merged, lists merged by `name`).
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { isDoc, type Doc } from "./deploy-files.js";

interface Validatable {
  validate(): void;
}

// The kinds the manifests may hold; anything else fails the test until it is added here.
const MODELS: Record<string, (data: Doc) => Validatable> = {
  "apps/v1 Deployment": (data) => new Deployment(data as ConstructorParameters<typeof Deployment>[0]),
  "policy/v1 PodDisruptionBudget": (data) =>
    new PodDisruptionBudget(data as ConstructorParameters<typeof PodDisruptionBudget>[0]),
  "v1 Service": (data) => new Service(data as ConstructorParameters<typeof Service>[0]),
  "v1 Namespace": (data) => new Namespace(data as ConstructorParameters<typeof Namespace>[0]),
  "v1 Secret": (data) => new Secret(data as ConstructorParameters<typeof Secret>[0]),
  "v1 ConfigMap": (data) => new ConfigMap(data as ConstructorParameters<typeof ConfigMap>[0]),
  "v1 ServiceAccount": (data) => new ServiceAccount(data as ConstructorParameters<typeof ServiceAccount>[0]),
};

/** Validates `doc` against the schema of its apiVersion and kind; throws naming what is wrong. */
export function validateObject(doc: Doc): void {
  const key = `${String(doc.apiVersion)} ${String(doc.kind)}`;
  const model = MODELS[key];
  if (model === undefined) throw new Error(`no schema known for ${key}: add it to kubernetes-objects.ts`);
  model(doc).validate();
}

/** `kind/name` of an object. */
export function objectId(doc: Doc): string {
  return `${String(doc.kind)}/${String(field(doc, "metadata", "name"))}`;
}

/** Merges `patch` into `target` like a strategic-merge patch: maps deeply, lists of named items by name. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (isDoc(target) && isDoc(patch)) {
    const out: Doc = { ...target };
    for (const [key, value] of Object.entries(patch)) out[key] = key in target ? mergePatch(target[key], value) : value;
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && patch.every((item) => isDoc(item) && "name" in item)) {
    const out = [...target];
    for (const item of patch as Doc[]) {
      const at = out.findIndex((existing) => isDoc(existing) && existing.name === item.name);
      if (at < 0) out.push(item);
      else out[at] = mergePatch(out[at], item);
    }
    return out;
  }
  return patch;
}

/** The value at a path of keys, or undefined. */
export function field(doc: unknown, ...path: string[]): unknown {
  let value = doc;
  for (const key of path) value = isDoc(value) ? value[key] : undefined;
  return value;
}

/** The pod template's containers of a Deployment. */
export function containers(deployment: Doc): Doc[] {
  const list = field(deployment, "spec", "template", "spec", "containers");
  return Array.isArray(list) ? list.filter(isDoc) : [];
}

/** A container's environment as name → entry. */
export function envOf(container: Doc): Map<string, Doc> {
  const env = Array.isArray(container.env) ? container.env.filter(isDoc) : [];
  return new Map(env.map((entry) => [String(entry.name), entry]));
}

/** Whether every label of `selector` is on `labels`. */
export function selects(selector: unknown, labels: unknown): boolean {
  if (!isDoc(selector) || !isDoc(labels) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
