// The JavaScript source of one message type's size and write functions, generated from its
// descriptor (compiled-encoder.ts turns it into functions). Straight-line code per field, with the
// property names and tag bytes written in: protobuf-es's toBinary runs the same steps through
// closures shared by every field, where each `message[localName]` read is a keyed, megamorphic load.
//
// Every field's presence test is generated once and used by both functions, so the write pass
// visits exactly the values the size pass measured, in the same order (wire-writer.ts).
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { scalarWire } from "./scalar-codec.js";

// google.protobuf.FeatureSet.FieldPresence
const implicitPresence = 2;
const legacyRequired = 3;

/** Generated function bodies (the child message types' plans are in scope as `P0`, `P1`...). */
export interface MessageSource {
  size: string;
  write: string;
}

/** Code pieces for one value: statements adding its size (with the tag) to `n`, and writing it. */
interface ValueCode {
  size: (v: string) => string;
  write: (v: string) => string;
}

const lit = (value: string) => JSON.stringify(value);

/** A property read: `m.name` for identifier-like names (all generated ones), else `m["name"]`. */
const prop = (object: string, name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `${object}.${name}` : `${object}[${lit(name)}]`);

/** Statements writing a tag's precomputed varint bytes. */
function tagCode(number: number, wireType: WireType): { length: number; write: string } {
  const bytes: number[] = [];
  let value = ((number << 3) | wireType) >>> 0;
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return { length: bytes.length, write: bytes.map((byte) => `w.buf[w.pos++] = ${byte};`).join(" ") };
}

/**
 * The size and write functions' bodies for `desc` (parameters `m`, the message, and `w`, the
 * WireWriter; in scope `rt`, the scalar and wire helpers, and `P0`, `P1`..., the child plans).
 * `child` gives a message field's plan number, building that plan if needed.
 */
export function messageSource(desc: DescMessage, child: (field: DescField, message: DescMessage) => number): MessageSource {
  // A list's missing item is written as an empty message, as toBinary writes `create(type)`.
  const size: string[] = ["if (m === undefined) return 0;", "let n = 0, v, o;"];
  const write: string[] = ["if (m === undefined) return;", "let v, o;"];
  // toBinary refuses a message of another type (when the type has fields).
  if (desc.fields.length > 0) size.push(`if (m.$typeName !== ${lit(desc.typeName)}) rt.foreign(m, ${lit(desc.typeName)});`);
  for (const field of [...desc.fields].sort((a, b) => a.number - b.number)) {
    const label = lit(`${desc.typeName}.${field.name}`);
    const read = prop("m", field.localName);
    switch (field.fieldKind) {
      case "map": {
        const code = mapCode(field, label, field.mapKind === "message" ? child(field, field.message) : -1);
        size.push(`v = ${read}; for (const k of Object.keys(v)) { ${code.size} }`);
        write.push(`v = ${read}; for (const k of Object.keys(v)) { ${code.write} }`);
        break;
      }
      case "list": {
        if (field.listKind === "message") {
          const code = messageCode(field, child(field, field.message));
          size.push(`v = ${read}; for (let i = 0; i < v.length; i++) { ${code.size("v[i]")} }`);
          write.push(`v = ${read}; for (let i = 0; i < v.length; i++) { ${code.write("v[i]")} }`);
        } else {
          const { wireType, name } = scalarWire(field.listKind === "enum" ? ScalarType.INT32 : (field.scalar as ScalarType));
          if (field.packed) {
            const tag = tagCode(field.number, WireType.LengthDelimited);
            size.push(
              `v = ${read}; if (v.length > 0) { const at = w.top++; w.sizes[at] = 0; let b = 0;`,
              `for (let i = 0; i < v.length; i++) b += rt.size_${name}(w, v[i], ${label});`,
              `w.sizes[at] = b; n += ${tag.length} + rt.varint32Size(b) + b; }`,
            );
            write.push(`v = ${read}; if (v.length > 0) { ${tag.write} w.varint32(w.sizes[w.next++]); for (let i = 0; i < v.length; i++) rt.write_${name}(w, v[i]); }`);
          } else {
            const code = scalarCode(field.number, wireType, name, label);
            size.push(`v = ${read}; for (let i = 0; i < v.length; i++) { ${code.size("v[i]")} }`);
            write.push(`v = ${read}; for (let i = 0; i < v.length; i++) { ${code.write("v[i]")} }`);
          }
        }
        break;
      }
      default: {
        let code: ValueCode;
        if (field.fieldKind === "message") code = messageCode(field, child(field, field.message));
        else code = scalarCode(field.number, ...wireOf(field), label);
        if (field.oneof) {
          const test = `(o = ${prop("m", field.oneof.localName)}).case === ${lit(field.localName)}`;
          size.push(`if (${test}) { ${code.size("o.value")} }`);
          write.push(`if (${test}) { ${code.write("o.value")} }`);
          break;
        }
        const test = presence(field);
        size.push(`v = ${read}; if (${test}) { ${code.size("v")} }`);
        if (field.presence === legacyRequired) size.push(`else rt.required(${lit(String(field))});`);
        write.push(`v = ${read}; if (${test}) { ${code.write("v")} }`);
      }
    }
  }
  size.push("if (m.$unknown !== undefined) n += rt.unknownSize(m.$unknown);", "return n;");
  write.push("if (m.$unknown !== undefined) rt.writeUnknown(w, m.$unknown);");
  return { size: size.join("\n"), write: write.join("\n") };
}

function wireOf(field: DescField & { fieldKind: "scalar" | "enum" }): [WireType, string] {
  const { wireType, name } = scalarWire(field.fieldKind === "enum" ? ScalarType.INT32 : field.scalar);
  return [wireType, name];
}

function scalarCode(number: number, wireType: WireType, name: string, label: string): ValueCode {
  const tag = tagCode(number, wireType);
  return {
    size: (v) => `n += ${tag.length} + rt.size_${name}(w, ${v}, ${label});`,
    write: (v) => `${tag.write} rt.write_${name}(w, ${v});`,
  };
}

/** A nested message, length-delimited: its body size saved by the size pass for the write pass. */
function messageCode(field: DescField, index: number): ValueCode {
  if ((field as { delimitedEncoding?: boolean }).delimitedEncoding) throw refusal(field, "delimited (group) encoding");
  const tag = tagCode(field.number, WireType.LengthDelimited);
  return {
    size: (v) => `{ const at = w.top++; w.sizes[at] = 0; const b = P${index}.size(${v}, w); w.sizes[at] = b; n += ${tag.length} + rt.varint32Size(b) + b; }`,
    write: (v) => `${tag.write} w.varint32(w.sizes[w.next++]); P${index}.write(${v}, w);`,
  };
}

/**
 * One map entry (`k`, its key as stored, and `v[k]`), written as toBinary writes it: a
 * length-delimited entry with the key (field 1, converted from the property name as toBinary
 * converts it) and the value (field 2), both always written, zero or not.
 */
function mapCode(field: DescField & { fieldKind: "map" }, label: string, index: number): { size: string; write: string } {
  const key = scalarWire(field.mapKey);
  const entryTag = tagCode(field.number, WireType.LengthDelimited);
  const keyTag = tagCode(1, key.wireType);
  const convert = `rt.key_${mapKeyKind(field.mapKey)}(k)`;
  let valueSize: string;
  let valueWrite: string;
  if (field.mapKind === "message") {
    const tag = tagCode(2, WireType.LengthDelimited);
    valueSize = `const at2 = w.top++; w.sizes[at2] = 0; const b2 = P${index}.size(v[k], w); w.sizes[at2] = b2; b += ${tag.length} + rt.varint32Size(b2) + b2;`;
    valueWrite = `${tag.write} w.varint32(w.sizes[w.next++]); P${index}.write(v[k], w);`;
  } else {
    const value = scalarWire(field.mapKind === "enum" ? ScalarType.INT32 : field.scalar);
    const tag = tagCode(2, value.wireType);
    valueSize = `b += ${tag.length} + rt.size_${value.name}(w, v[k], ${label});`;
    valueWrite = `${tag.write} rt.write_${value.name}(w, v[k]);`;
  }
  return {
    size: `const at = w.top++; w.sizes[at] = 0; let b = ${keyTag.length} + rt.size_${key.name}(w, ${convert}, ${label}); ${valueSize} w.sizes[at] = b; n += ${entryTag.length} + rt.varint32Size(b) + b;`,
    write: `${entryTag.write} w.varint32(w.sizes[w.next++]); ${keyTag.write} rt.write_${key.name}(w, ${convert}); ${valueWrite}`,
  };
}

/** Which of toBinary's map key conversions a key type takes (compileMapKeyConverter). */
function mapKeyKind(type: ScalarType): string {
  switch (type) {
    case ScalarType.STRING:
      return "string";
    case ScalarType.BOOL:
      return "bool";
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return "uint64";
    case ScalarType.INT64:
    case ScalarType.SFIXED64:
    case ScalarType.SINT64:
      return "int64";
    default:
      return "int32";
  }
}

/** Whether a singular field is written: the test toBinary makes (compileSingularField), on `v`. */
function presence(field: DescField & { fieldKind: "scalar" | "enum" | "message" }): string {
  if (field.presence !== implicitPresence) {
    // Explicit presence: set when the message has its own property (defaults sit on the prototype).
    return `v !== undefined && rt.hasOwn(m, ${lit(field.localName)})`;
  }
  // Implicit presence: set unless the zero value.
  if (field.fieldKind === "enum") return `v !== ${field.enum.values[0]!.number}`;
  if (field.fieldKind === "message") throw refusal(field, "a message field with implicit presence");
  switch (field.scalar) {
    case ScalarType.BOOL:
      return "v !== false";
    case ScalarType.STRING:
      return `v !== ""`;
    case ScalarType.BYTES:
      return "(!(v instanceof Uint8Array) || v.byteLength > 0)";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return "!Object.is(v, 0)"; // -0 is written
    default:
      // toBinary's loose `v != 0` (true for 0, 0n and "0"), with bigints compared without a coercion.
      return `(typeof v === "bigint" ? v !== 0n : v != 0)`;
  }
}

/** The error for a schema feature the encoder does not handle. */
export function refusal(field: DescField, why: string): Error {
  return new Error(`compiled encoder: ${field.parent.typeName}.${field.name}: ${why} is not supported`);
}
