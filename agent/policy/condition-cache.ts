// Conditions' values remembered per distinct reading of what they read. A CEL condition is a pure
// function of the members it reads (core/policy/condition-reads.ts): the same caller's groups, the
// same model and the same `x-team` header give the same value on every request. So each condition
// keeps its last few hundred values keyed by exactly those inputs (as the activation would hold
// them), and most requests of a busy agent evaluate no CEL and build no activation at all. A
// condition whose inputs cannot be told (it reads `time`, the prompt, a whole map) is evaluated
// every time, as before.
import type { Condition, ConditionActivation, ConditionResult } from "../../core/policy/condition.js";
import type { ConditionRead } from "../../core/policy/condition-reads.js";
import { conditionActivation, conditionHeaders, type RequestContext } from "./activation.js";

/** Values kept per condition; past it, new readings are evaluated without being kept (nor are readings longer than MAX_KEY: a long header value). */
const MAX_READINGS = 512;
const MAX_KEY = 1024;

/**
 * Per condition: each read's number (readIds) and the values by reading, as a tree with one level
 * per read, keyed by each read's key part. A request's key parts are strings made once per request
 * and shared by its conditions, so each level is a lookup of a string whose hash V8 has already
 * computed (one key string per condition, concatenated and hashed anew, cost more than the rest).
 */
class Kept {
  readonly values = new Map<string, unknown>();
  size = 0;
  constructor(readonly ids: readonly number[]) {}
}
const remembered = new WeakMap<Condition, Kept>();
/** Every read's number, by its name (`h` and a header's name, or `variable.field`), shared by all conditions. */
const readIds = new Map<string, number>();

/** One request's inputs to its conditions, each built on first use. */
export interface ConditionInputs {
  readonly context: RequestContext;
  activation?: ConditionActivation;
  /** The activation's headers (conditionHeaders): read by own property only, as the activation's map holds exactly those. */
  headers?: Readonly<Record<string, string>>;
  /** Each read's key part, by the read's number (conditions share most of them: the caller's groups, the model). */
  parts?: (string | undefined)[];
}

// The members the activation holds (activation.ts); any other member is absent there, whatever the context holds.
const members = {
  identity: (context: RequestContext, field: string): unknown => {
    const { identity } = context;
    return field === "subject" ? identity.subject : field === "email" ? identity.email : field === "groups" ? identity.groups : field === "issuer" ? identity.issuer : undefined;
  },
  request: (context: RequestContext, field: string): unknown => {
    const { request } = context;
    if (field === "maxTokens") return request.maxTokens ?? 0; // keyed as a number; the activation holds it as an int
    return field === "model" ? request.model : field === "method" ? request.method : field === "path" ? request.path : field === "stream" ? request.stream : undefined;
  },
  connection: (context: RequestContext, field: string): unknown => (field === "name" ? context.connection.name : field === "provider" ? context.connection.provider : undefined),
};

/** The value of one read, as the activation gives it. */
function readingOf(read: ConditionRead, inputs: ConditionInputs): unknown {
  if ("header" in read) {
    // As the activation's headers map: lower-case names, credentials left out, repeated ones joined.
    // (A name such as "__proto__" or "constructor" is no own property unless a header set it.)
    const headers = (inputs.headers ??= conditionHeaders(inputs.context.request.headers));
    return Object.hasOwn(headers, read.header) ? headers[read.header] : undefined;
  }
  return members[read.variable](inputs.context, read.field);
}

/** Tells apart every value and type (JSON escapes control characters, so \u0001 never occurs inside one). */
const keyPart = (value: unknown) => `${typeof value}${JSON.stringify(value)}`;

const evaluate = (condition: Condition, inputs: ConditionInputs) => condition.evaluate((inputs.activation ??= conditionActivation(inputs.context)));

/** `condition`'s value for the request of `inputs`: remembered when its reads are known, else evaluated. */
export function conditionValue(condition: Condition, inputs: ConditionInputs): ConditionResult {
  const reads = condition.reads;
  if (reads === undefined) return evaluate(condition, inputs);
  let kept = remembered.get(condition);
  if (!kept) {
    // Variables never start with "h": a header's name cannot pass for a member's.
    kept = new Kept(reads.map((read) => {
      const name = "header" in read ? `h${read.header}` : `${read.variable}.${read.field}`;
      let id = readIds.get(name);
      if (id === undefined) readIds.set(name, (id = readIds.size));
      return id;
    }));
    remembered.set(condition, kept);
  }
  const parts = (inputs.parts ??= []);
  // Down the tree, one level per read; `node` is undefined once a level has no entry for this reading.
  let node: Map<string, unknown> | undefined = kept.values;
  let length = 0;
  let part = "";
  for (let index = 0; index < reads.length; index++) {
    const id = kept.ids[index]!;
    part = parts[id] ?? (parts[id] = keyPart(readingOf(reads[index]!, inputs)));
    length += part.length + 1;
    if (index < reads.length - 1) node = node?.get(part) as Map<string, unknown> | undefined;
  }
  // A condition that reads nothing is keyed by the empty reading ("").
  const found = node?.get(part) as ConditionResult | undefined;
  if (found !== undefined) return found;
  const result = evaluate(condition, inputs);
  if (kept.size < MAX_READINGS && length <= MAX_KEY) {
    let level = kept.values;
    for (let index = 0; index < reads.length - 1; index++) {
      const key = parts[kept.ids[index]!]!;
      let next = level.get(key) as Map<string, unknown> | undefined;
      if (next === undefined) level.set(key, (next = new Map()));
      level = next;
    }
    level.set(part, result);
    kept.size++;
  }
  return result;
}
