// `kubectl kustomize`, where this machine has kubectl: the real rendering of a kustomization.
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";
import { isDoc, type Doc } from "./deploy-files.js";

/** Whether `kubectl` (with its built-in kustomize) can be run here. */
export function kubectlAvailable(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The objects `kubectl kustomize DIR` renders; throws with kustomize's message when it fails. */
export function kustomize(dir: string): Doc[] {
  const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 30_000, stdio: "pipe" });
  return parseAllDocuments(out).map((doc) => doc.toJS() as unknown).filter(isDoc);
}
