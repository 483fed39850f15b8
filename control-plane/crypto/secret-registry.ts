// Which secret box seals the secrets of an open database. Stores of one kind of resource receive
// only an EntityManager, so the box is found through the ORM configuration every EntityManager
// of that database shares; several control planes in one process (tests) each keep their own.
import { randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import type { Database } from "../storage/database.js";
import { createSecretBox, SECRET_KEY_BYTES, type SecretBox } from "./secret-box.js";

const boxes = new WeakMap<object, SecretBox>();
// For databases opened without the control plane (tools, storage tests): a key as short-lived as
// the process. startControlPlane always registers the operator's key before anything is stored.
let processBox: SecretBox | undefined;

/** Makes `box` seal and open every secret stored in `db`. */
export function useSecretBox(db: Database, box: SecretBox): void {
  boxes.set(db.em().config, box);
}

/** The box of the database `em` belongs to. */
export function secretBox(em: EntityManager): SecretBox {
  return boxes.get(em.config) ?? (processBox ??= createSecretBox(randomBytes(SECRET_KEY_BYTES)));
}
