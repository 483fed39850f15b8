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
/** Per condition: each read's name among the request's parts, and the values by reading. */
const remembered = new WeakMap<Condition, { names: string[]; values: Map<string, ConditionResult> }>();

/** One request's inputs to its conditions, each built on first use. */
export interface ConditionInputs {
  readonly context: RequestContext;
  activation?: ConditionActivation;
  headers?: ReadonlyMap<string, string>;
  /** Each read's key part, by the read (conditions share most of them: the caller's groups, the model). */
  parts?: Map<string, string>;
}

// The members the activation holds (activation.ts); any other member is absent there, whatever the context holds.
const members = {
  identity: (context: RequestContext, field: string): unknown => {
    const { identity } = context;
    return field === "subject" ? identity.subject : field === "email" ? identity.email : field === "groups" ? identity.groups : field === "issuer" ? identity.issuer : undefined;
  },
  request: (context: RequestContext, field: string): unknown => {
    const { request } = context;
    return field === "model" ? request.model : field === "method" ? request.method : field === "path" ? request.path : field === "stream" ? request.stream : undefined;
  },
  connection: (context: RequestContext, field: string): unknown => (field === "name" ? context.connection.name : field === "provider" ? context.connection.provider : undefined),
};

/** The value of one read, as the activation gives it. */
function readingOf(read: ConditionRead, inputs: ConditionInputs): unknown {
  if ("header" in read) {
    // As the activation's headers map: lower-case names, credentials left out, repeated ones joined.
    inputs.headers ??= new Map(Object.entries(conditionHeaders(inputs.context.request.headers)));
    return inputs.headers.get(read.header);
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
    kept = { names: reads.map((read) => ("header" in read ? `h${read.header}` : `${read.variable}.${read.field}`)), values: new Map() };
    remembered.set(condition, kept);
  }
  const parts = (inputs.parts ??= new Map());
  let key = "";
  for (let index = 0; index < reads.length; index++) {
    const name = kept.names[index]!;
    let part = parts.get(name);
    if (part === undefined) parts.set(name, (part = keyPart(readingOf(reads[index]!, inputs))));
    key += `${part}\u0001`;
  }
  let result = kept.values.get(key);
  if (result === undefined) {
    result = evaluate(condition, inputs);
    if (kept.values.size < MAX_READINGS && key.length <= MAX_KEY) kept.values.set(key, result);
  }
  return result;
}
