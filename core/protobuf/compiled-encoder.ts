// A protobuf binary encoder generated once per message schema: the same bytes as protobuf-es's
// `toBinary(schema, message)`, written into one buffer of exactly the right size.
//
// Why: the agent encodes every exchange record when it is committed (agent/stream/exchange-buffer.ts),
// and a streamed reply's record carries a few hundred response chunks. toBinary compiles per-field
// closures, but they read every field with a keyed, megamorphic load, and its BinaryWriter grows a
// buffer by doubling (copying), shifts each nested message past 127 bytes to widen its length
// prefix, and copies the whole result at the end. Here each message type gets straight-line size
// and write functions (message-source.ts): a size pass measures everything, then one pass writes it
// in place (wire-writer.ts).
//
// The code follows the descriptor: a field added to proto/ is encoded without a change here. A
// schema feature it does not handle (groups, wrapper and Struct fields, which protobuf-es holds
// unboxed) is refused when the encoder is built, never guessed at. The source is generated
// from descriptors only (field names, numbers, types), never from message data.
import { type DescField, type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { messageSource, refusal } from "./message-source.js";
import { mapKeyRuntime, scalarRuntime } from "./scalar-codec.js";
import { varint32Size, type WireWriter, WireWriter as Writer } from "./wire-writer.js";

type Fields = Record<string, unknown>;

interface UnknownField {
  no: number;
  wireType: number;
  data: Uint8Array;
}

const unbuilt = (): never => {
  throw new Error("compiled encoder: plan used before it was built");
};

/** One message type's generated size and write functions. */
class MessagePlan {
  size: (message: Fields | undefined, w: WireWriter) => number = unbuilt;
  write: (message: Fields | undefined, w: WireWriter) => void = unbuilt;
}

/** What generated code calls besides the plans: scalar codecs, presence and unknown fields. */
const runtime = {
  ...scalarRuntime,
  ...mapKeyRuntime,
  varint32Size,
  hasOwn: Object.hasOwn,
  foreign(message: Fields, typeName: string): never {
    throw new Error(`cannot encode message ${String(message.$typeName)} as ${typeName}`);
  },
  required(field: string): never {
    throw new Error(`cannot encode ${field} to binary: required field not set`);
  },
  // Unknown fields (and extensions, which protobuf-es keeps among them) are written back as read.
  unknownSize(unknown: UnknownField[]): number {
    let size = 0;
    for (const { no, wireType, data } of unknown) size += varint32Size(((no << 3) | wireType) >>> 0) + data.length;
    return size;
  },
  writeUnknown(w: WireWriter, unknown: UnknownField[]): void {
    for (const { no, wireType, data } of unknown) {
      w.varint32(((no << 3) | wireType) >>> 0);
      w.buf.set(data, w.pos);
      w.pos += data.length;
    }
  },
};

const plans = new WeakMap<DescMessage, MessagePlan>();
const encoders = new WeakMap<DescMessage, (message: never) => Uint8Array>();

/**
 * Returns the encoder of `schema`'s messages, built on first use (then cached): it returns the bytes
 * toBinary(schema, message) returns. Throws at once when the schema uses a feature it does not handle.
 */
export function compiledEncoder<Desc extends DescMessage>(schema: Desc): (message: MessageShape<Desc>) => Uint8Array {
  const cached = encoders.get(schema);
  if (cached) return cached as (message: MessageShape<Desc>) => Uint8Array;
  const begun: DescMessage[] = [];
  let plan: MessagePlan;
  try {
    plan = messagePlan(schema, begun);
  } catch (error) {
    // Forget the plans this attempt began: some were left unbuilt.
    for (const desc of begun) plans.delete(desc);
    // A process run with --disallow-code-generation-from-strings: toBinary itself, slower but the same.
    if (error instanceof EvalError) return (message) => toBinary(schema, message);
    throw error;
  }
  const w = new Writer();
  const encode = (message: MessageShape<Desc>): Uint8Array => {
    w.top = 0; // a call that threw may have left sizes behind
    w.begin(plan.size(message as unknown as Fields, w));
    plan.write(message as unknown as Fields, w);
    return w.finish();
  };
  encoders.set(schema, encode as (message: never) => Uint8Array);
  return encode;
}

function messagePlan(desc: DescMessage, begun: DescMessage[]): MessagePlan {
  const cached = plans.get(desc);
  if (cached) return cached;
  const plan = new MessagePlan();
  // Registered before its fields are compiled, so a recursive type finds it.
  plans.set(desc, plan);
  begun.push(desc);
  const children: MessagePlan[] = [];
  const source = messageSource(desc, (field, message) => {
    refuseUnboxed(field, message);
    children.push(messagePlan(message, begun));
    return children.length - 1;
  });
  const locals = children.length > 0 ? `const ${children.map((_, i) => `P${i} = P[${i}]`).join(", ")};` : "";
  const factory = new Function(
    "rt",
    "P",
    `"use strict"; ${locals}\nreturn [function size(m, w) {\n${source.size}\n}, function write(m, w) {\n${source.write}\n}];`,
  ) as (rt: typeof runtime, P: MessagePlan[]) => [MessagePlan["size"], MessagePlan["write"]];
  [plan.size, plan.write] = factory(runtime, children);
  return plan;
}

/** Message fields protobuf-es does not hold as messages. */
function refuseUnboxed(field: DescField, message: DescMessage): void {
  // A singular wrapper field outside a oneof is held as the bare value.
  if (field.fieldKind === "message" && !field.oneof && isWrapperDesc(message)) throw refusal(field, "a wrapper field (held unboxed)");
  // google.protobuf.Struct is held as a JSON object, except inside google.protobuf.Value.
  if (message.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value") {
    throw refusal(field, "a google.protobuf.Struct field (held as JSON)");
  }
}
