// What a message holds that this build cannot read: fields a newer peer set that our schema does not
// name (kept by protobuf-es as unknown fields) and enum values our schema does not list. A reader
// that enforces settings must not act on the part it understood as if it were the whole: an agent
// that ignored a newer control plane's narrowing field would allow what the operator refused.
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";

/**
 * Paths of what `message` holds that `schema` does not know, e.g. `["#26", "wait.#5",
 * "direction=7"]`: `#N` an unknown field number, `name=N` an enum value the schema does not list.
 * Empty when this build reads all of it.
 */
export function unknownSettings<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string[] {
  const found: string[] = [];
  walk(reflect(schema, message), "", found);
  return found;
}

function walk(message: ReflectMessage, prefix: string, found: string[]): void {
  for (const unknown of message.getUnknown() ?? []) found.push(`${prefix}#${unknown.no}`);
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const path = `${prefix}${field.name}`;
    switch (field.fieldKind) {
      case "message":
        walk(message.get(field), `${path}.`, found);
        break;
      case "enum":
        enumValue(field.enum, message.get(field), path, found);
        break;
      case "list": {
        const list = message.get(field);
        let index = 0;
        for (const item of list) {
          if (field.listKind === "message") walk(item as ReflectMessage, `${path}[${index}].`, found);
          else if (field.listKind === "enum") enumValue(field.enum, item as number, `${path}[${index}]`, found);
          index++;
        }
        break;
      }
      case "map":
        for (const [key, value] of message.get(field)) {
          if (field.mapKind === "message") walk(value as ReflectMessage, `${path}[${String(key)}].`, found);
          else if (field.mapKind === "enum") enumValue(field.enum, value as number, `${path}[${String(key)}]`, found);
        }
        break;
      default:
        break;
    }
  }
}

function enumValue(desc: { value: Record<number, unknown> }, value: number, path: string, found: string[]): void {
  if (desc.value[value] === undefined) found.push(`${path}=${value}`);
}
