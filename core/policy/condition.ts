// A policy's CEL `when` condition, compiled once per snapshot with @bufbuild/cel and evaluated per
// request. Compilation parses, checks that every name it uses exists (a typo would otherwise only
// show up as a runtime error on live traffic) and plans the program; evaluation never throws.
// Self-contained so the control plane can run the same check at apply time.
import { celEnv, isCelError, parse, plan, type CelInput } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { conditionReads, type ConditionRead } from "./condition-reads.js";

/** The variables a condition may use. */
export const conditionVariables: readonly string[] = ["identity", "request", "connection", "time"];

/** Values bound to the variables for one evaluation. */
export type ConditionActivation = Record<string, CelInput>;

/** The outcome of one evaluation: a boolean, or why there is none. */
export type ConditionResult = { ok: true; value: boolean } | { ok: false; error: string };

/** A compiled condition. */
export interface Condition {
  evaluate(activation: ConditionActivation): ConditionResult;
  /** What it reads of the activation (condition-reads.ts); undefined: anything. */
  readonly reads?: readonly ConditionRead[];
}

/** A condition that does not compile; `line` and `column` are 1-based (0 when unknown). */
export class ConditionError extends Error {
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(line > 0 ? `${line}:${column}: ${detail}` : detail);
    this.name = "ConditionError";
  }
}

const env = celEnv({ funcs: strings });

type Expr = ReturnType<typeof parse>["expr"];

// Calls the planner handles itself rather than through the function registry.
// Type names a condition may compare against (`type(x) == string`).
const typeNames = ["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn"];

const plannerCalls = new Set(["_&&_", "_||_", "_?_:_", "_[_]", "_[?_]", "_?._", "@not_strictly_false", "__not_strictly_false__"]);

function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, offset));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** Walks the expression; returns the first unknown name with its node id. */
function unknownName(expr: Expr | undefined, bound: ReadonlySet<string>): { id: bigint; what: string } | undefined {
  if (!expr) return undefined;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "identExpr":
      return bound.has(kind.value.name) ? undefined : { id: expr.id, what: `undeclared reference to '${kind.value.name}'` };
    case "selectExpr":
      return unknownName(kind.value.operand, bound);
    case "callExpr": {
      const call = kind.value;
      if (!plannerCalls.has(call.function) && !env.funcs.find(call.function)) return { id: expr.id, what: `unknown function '${call.function}'` };
      for (const child of [call.target, ...call.args]) {
        const found = unknownName(child, bound);
        if (found) return found;
      }
      return undefined;
    }
    case "listExpr":
      for (const element of kind.value.elements) {
        const found = unknownName(element, bound);
        if (found) return found;
      }
      return undefined;
    case "structExpr":
      for (const entry of kind.value.entries) {
        const key = entry.keyKind.case === "mapKey" ? entry.keyKind.value : undefined;
        const found = unknownName(key, bound) ?? unknownName(entry.value, bound);
        if (found) return found;
      }
      return undefined;
    case "comprehensionExpr": {
      const loop = kind.value;
      const inner = new Set([...bound, loop.iterVar, loop.iterVar2, loop.accuVar].filter(Boolean));
      return (
        unknownName(loop.iterRange, bound) ??
        unknownName(loop.accuInit, bound) ??
        unknownName(loop.loopCondition, inner) ??
        unknownName(loop.loopStep, inner) ??
        unknownName(loop.result, inner)
      );
    }
    default:
      return undefined;
  }
}

/** Compiles `source` into a reusable program, or throws a ConditionError naming the position. */
export function compileCondition(source: string): Condition {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    const location = (error as { location?: { start?: { line?: number; column?: number } } }).location?.start;
    const raw = (error as { rawMessage?: unknown }).rawMessage;
    const detail = typeof raw === "string" ? raw : error instanceof Error ? error.message : String(error);
    throw new ConditionError(detail, location?.line ?? 0, location?.column ?? 0);
  }
  const unknown = unknownName(parsed.expr, new Set([...conditionVariables, ...typeNames]));
  if (unknown) {
    const offset = parsed.sourceInfo?.positions[unknown.id.toString()];
    const at = offset === undefined ? { line: 0, column: 0 } : lineAndColumn(source, offset);
    throw new ConditionError(unknown.what, at.line, at.column);
  }
  let program: (activation: ConditionActivation) => unknown;
  try {
    program = plan(env, parsed) as (activation: ConditionActivation) => unknown;
  } catch (error) {
    throw new ConditionError(error instanceof Error ? error.message : String(error), 0, 0);
  }
  return {
    reads: conditionReads(parsed.expr),
    evaluate(activation) {
      let value: unknown;
      try {
        value = program(activation);
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      if (isCelError(value)) return { ok: false, error: value.message };
      if (typeof value !== "boolean") return { ok: false, error: "condition did not evaluate to a bool" };
      return { ok: true, value };
    },
  };
}
