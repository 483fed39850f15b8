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

/** Values kept per condition; past it, new readings are evaluated without being kept. */
const MAX_READINGS = 512;
const remembered = new WeakMap<Condition, Map<string, ConditionResult>>();

/** One request's inputs to its conditions, each built on first use. */
export interface ConditionInputs {
  readonly context: RequestContext;
  activation?: ConditionActivation;
  headers?: ReadonlyMap<string, string>;
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

/** `condition`'s value for the request of `inputs`: remembered when its reads are known, else evaluated. */
export function conditionValue(condition: Condition, inputs: ConditionInputs): ConditionResult {
  const evaluate = () => condition.evaluate((inputs.activation ??= conditionActivation(inputs.context)));
  const reads = condition.reads;
  if (reads === undefined) return evaluate();
  let key = "";
  for (const read of reads) key += `${keyPart(readingOf(read, inputs))}\u0001`;
  let values = remembered.get(condition);
  if (!values) remembered.set(condition, (values = new Map()));
  let result = values.get(key);
  if (result === undefined) {
    result = evaluate();
    if (values.size < MAX_READINGS) values.set(key, result);
  }
  return result;
}
