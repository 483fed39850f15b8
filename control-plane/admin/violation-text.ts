// protovalidate violations of an admin request as one clear message: which resource (by kind and
// name, when the field is inside one), the field path in the names resource files use (JSON
// names, `[i]` from 0), what is wrong, and the rule's id in brackets. Enum and oneof rules name
// the values and fields allowed, read from the descriptors.
import type { DescEnum, DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import type { Path } from "@bufbuild/protobuf/reflect";
import type { Violation } from "@bufbuild/protovalidate";

/** At most this many violations are spelled out; the rest are counted. */
const SHOWN = 5;

const RESOURCE_TYPE = "palisade.admin.v1.Resource";

/** The message of INVALID_ARGUMENT for `violations` of `message`. */
export function violationsText(message: unknown, violations: readonly Violation[]): string {
  const lines = violations.slice(0, SHOWN).map((violation) => violationText(message, violation));
  const more = violations.length - SHOWN;
  return lines.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

/** One violation as `<resource>: <field> <what is wrong> [<rule id>]`. */
export function violationText(message: unknown, violation: Violation): string {
  const { subject, rest } = locate(message, violation.field);
  const field = pathText(rest);
  const problem = problemText(violation);
  const sentence = field === "" ? problem : `${field} ${problem}`;
  return `${subject === "" ? "" : `${subject}: `}${sentence} [${violation.ruleId}]`;
}

// The resource the path runs through (`connection "openai"`), and the path inside it.
function locate(message: unknown, path: Path): { subject: string; rest: Path } {
  let value: unknown = message;
  let found = { subject: "", rest: path };
  path.forEach((item, index) => {
    if (item.kind === "field" && item.parent.typeName === RESOURCE_TYPE && item.message) {
      const resource = fieldValue(value, item);
      const name = typeof (resource as { name?: unknown } | undefined)?.name === "string" ? (resource as { name: string }).name : "";
      found = { subject: `${words(item.message.name)} "${name}"`, rest: path.slice(index + 1) };
    }
    value = step(value, item);
  });
  return found;
}

function fieldValue(value: unknown, field: DescField): unknown {
  if (value === null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  if (field.oneof) {
    const chosen = record[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
    return chosen?.case === field.localName ? chosen.value : undefined;
  }
  return record[field.localName];
}

function step(value: unknown, item: Path[number]): unknown {
  if (item.kind === "field") return fieldValue(value, item);
  if (item.kind === "list_sub") return Array.isArray(value) ? value[item.index] : undefined;
  return undefined;
}

// `match.keywords[1]`, in JSON names as resource files spell them.
function pathText(path: Path): string {
  let text = "";
  for (const item of path) {
    if (item.kind === "field" || item.kind === "oneof") {
      text += `${text === "" ? "" : "."}${item.kind === "field" ? item.jsonName : item.name}`;
    } else if (item.kind === "list_sub") {
      text += `[${item.index}]`;
    } else if (item.kind === "map_sub") {
      text += `[${JSON.stringify(String(item.key))}]`;
    } else {
      text += `[${item.typeName}]`;
    }
  }
  return text;
}

function problemText(violation: Violation): string {
  const last = violation.field.at(-1);
  const field = last?.kind === "field" ? last : lastField(violation.field);
  if (violation.ruleId.startsWith("enum.") && field?.enum) return `must be one of ${enumChoices(field.enum)}`;
  if (violation.ruleId === "required" && last?.kind === "oneof") return `needs one of ${oneofChoices(last)} set`;
  if (violation.ruleId === "string.min_len" && /at least 1 characters?$/.test(violation.message)) return "must not be empty";
  if (violation.ruleId === "repeated.min_items" && /at least 1 item/.test(violation.message)) return "must not be empty";
  if (violation.ruleId === "repeated.unique") return "must not list an item twice";
  // protovalidate's own messages say "value must ...": the field is named before it here.
  const text = violation.message.replace(/^value /, "")
    .replace(/greater than or equal to/g, "at least").replace(/less than or equal to/g, "at most").replace(/greater than/g, "more than");
  return violation.ruleId.startsWith("duration.") ? text.replace(/\b(\d+)s\b/g, (_, seconds: string) => durationText(Number(seconds))) : text;
}

// 86400 → `1d`, 300 → `5m`, 90 → `90s`: how durations are written in resource files.
function durationText(seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function lastField(path: Path): DescField | undefined {
  for (let index = path.length - 1; index >= 0; index--) {
    const item = path[index]!;
    if (item.kind === "field") return item;
  }
  return undefined;
}

// The values an enum field may take, as resource files write them (`openai`, `identity_provider`);
// the zero value (`…_UNSPECIFIED`, "not set") is never one to name.
function enumChoices(desc: DescEnum): string {
  return desc.values.filter((value) => value.number !== 0).map((value) => value.localName.toLowerCase()).join(", ");
}

function oneofChoices(oneof: DescOneof): string {
  const names = oneof.fields.map((field) => field.jsonName);
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

// `IdentityProvider` → `identity provider`.
function words(typeName: DescMessage["name"]): string {
  return typeName.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}
