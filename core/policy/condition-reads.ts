// What a condition reads of its activation, when that can be told from the expression alone: the
// members `identity.<field>`, `request.<field>` and `connection.<field>` it selects, and the
// request headers it looks up by a constant name (`"x-team" in request.headers`,
// `request.headers["x-team"]`, `request.headers.x_team`). CEL is deterministic, so a condition's
// value is a function of what it reads: a caller may remember it per distinct reading
// (agent/policy/condition-cache.ts). Undefined — read everything — when the expression uses a
// variable any other way (`time`, a whole map, `request.headers` iterated or sized…).
import type { parse } from "@bufbuild/cel";

type Expr = ReturnType<typeof parse>["expr"];

/** One input of a condition: a member of a variable, or one request header by name. */
export type ConditionRead = { variable: "identity" | "request" | "connection"; field: string } | { header: string };

const variables = new Set(["identity", "request", "connection", "time"]);

/** The name of `expr` when it is the bare identifier of a variable. */
function variableOf(expr: Expr | undefined): string | undefined {
  const kind = expr?.exprKind;
  return kind?.case === "identExpr" && variables.has(kind.value.name) ? kind.value.name : undefined;
}

/** Whether `expr` is `request.headers`. */
function isHeaders(expr: Expr | undefined): boolean {
  const kind = expr?.exprKind;
  return kind?.case === "selectExpr" && kind.value.field === "headers" && variableOf(kind.value.operand) === "request";
}

/** A constant string's value. */
function constantString(expr: Expr | undefined): string | undefined {
  const kind = expr?.exprKind;
  if (kind?.case !== "constExpr") return undefined;
  const constant = kind.value.constantKind;
  return constant.case === "stringValue" ? constant.value : undefined;
}

/** Everything `expr` reads, or undefined when that cannot be told (see the header). */
export function conditionReads(expr: Expr | undefined): ConditionRead[] | undefined {
  const reads: ConditionRead[] = [];
  const pending: (Expr | undefined)[] = [expr];
  for (let next = pending.pop(); pending.length > 0 || next !== undefined; next = pending.pop()) {
    const kind = next?.exprKind;
    if (!kind) continue;
    switch (kind.case) {
      case "identExpr":
        if (variables.has(kind.value.name)) return undefined; // a whole variable (or `time`)
        continue; // a comprehension's variable, a type name
      case "constExpr":
        continue;
      case "selectExpr": {
        const { operand, field } = kind.value;
        if (isHeaders(operand)) {
          reads.push({ header: field });
          continue;
        }
        const variable = variableOf(operand);
        if (variable === undefined) {
          pending.push(operand);
          continue;
        }
        // request.headers and request.prompt are read only through the forms above (prompt: never).
        if (variable === "time" || (variable === "request" && (field === "headers" || field === "prompt")) || (variable === "identity" && field === "claims")) return undefined;
        reads.push({ variable: variable as "identity" | "request" | "connection", field });
        continue;
      }
      case "callExpr": {
        const { function: name, target, args } = kind.value;
        if (name === "_[_]" && args.length === 2 && isHeaders(args[0]) && constantString(args[1]) !== undefined) {
          reads.push({ header: constantString(args[1])! });
          continue;
        }
        if (name === "@in" && args.length === 2 && isHeaders(args[1]) && constantString(args[0]) !== undefined) {
          reads.push({ header: constantString(args[0])! });
          continue;
        }
        pending.push(target, ...args);
        continue;
      }
      case "listExpr":
        pending.push(...kind.value.elements);
        continue;
      case "structExpr":
        for (const entry of kind.value.entries) pending.push(entry.keyKind.case === "mapKey" ? entry.keyKind.value : undefined, entry.value);
        continue;
      case "comprehensionExpr": {
        const loop = kind.value;
        pending.push(loop.iterRange, loop.accuInit, loop.loopCondition, loop.loopStep, loop.result);
        continue;
      }
      default:
        return undefined; // a form not known here
    }
  }
  return reads;
}
