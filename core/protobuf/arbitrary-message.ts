// Test support: fast-check arbitraries of any protobuf-es message, built by walking its descriptor,
// so a field added to proto/ is generated (and so tested) without a change here. Values reach the
// corners the encoders care about: zero and default values (which implicit presence skips and
// explicit presence writes), -0 and NaN, 64-bit extremes, strings with lone surrogates, long strings
// (multi-byte length prefixes), long lists, and unknown fields.
import { create, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";

/** What the generated messages may hold. */
export interface ArbitraryOptions {
  /** Strings with unpaired surrogates (encoded as U+FFFD, so they do not decode back the same). */
  loneSurrogates: boolean;
  /** Nesting depth of message fields (recursive types stop there). */
  depth: number;
  /** Longest long list (a streamed exchange has a few hundred response chunks). */
  longList: number;
}

const defaults: ArbitraryOptions = { loneSurrogates: true, depth: 3, longList: 300 };

/** Arbitrary messages of `desc`, made with `create` and filled field by field. */
export function arbitraryMessage(desc: DescMessage, options: Partial<ArbitraryOptions> = {}): fc.Arbitrary<Message> {
  return messageOf(desc, { ...defaults, ...options }, 0);
}

function messageOf(desc: DescMessage, options: ArbitraryOptions, depth: number): fc.Arbitrary<Message> {
  const members: fc.Arbitrary<[string, unknown] | undefined>[] = [];
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const value = fieldValue(field, options, depth);
    if (value) members.push(fc.option(value.map((v): [string, unknown] => [field.localName, v]), { nil: undefined }));
  }
  for (const oneof of desc.oneofs) {
    const cases = oneof.fields.flatMap((field) => {
      const value = fieldValue(field, options, depth);
      return value ? [value.map((v) => ({ case: field.localName, value: v }))] : [];
    });
    if (cases.length > 0) members.push(fc.option(fc.oneof(...cases).map((v): [string, unknown] => [oneof.localName, v]), { nil: undefined }));
  }
  return fc.tuple(fc.tuple(...members), unknownFields(desc)).map(([entries, unknown]) => {
    const message = create(desc) as Message & Record<string, unknown>;
    for (const entry of entries) if (entry) message[entry[0]] = entry[1];
    if (unknown.length > 0) message.$unknown = unknown;
    return message;
  });
}

function fieldValue(field: DescField, options: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> | undefined {
  switch (field.fieldKind) {
    case "map": {
      let value: fc.Arbitrary<unknown>;
      if (field.mapKind === "message") {
        if (depth >= options.depth) return fc.constant({});
        value = messageOf(field.message, options, depth + 1);
      } else if (field.mapKind === "enum") value = enumValue(field.enum.values.map((v) => v.number));
      else value = scalar(field.scalar, false, options);
      // Keys are held as property names: the key's text as protobuf-es writes it.
      const key = field.mapKey === ScalarType.BOOL ? fc.constantFrom("true", "false") : scalar(field.mapKey, false, options).map(String);
      return fc.array(fc.tuple(key, value), { maxLength: depth > 0 ? 3 : 6 }).map((entries) => {
        const record: Record<string, unknown> = {};
        for (const [k, v] of entries) record[k] = v;
        return record;
      });
    }
    case "message":
      return depth < options.depth ? messageOf(field.message, options, depth + 1) : undefined;
    case "enum":
      return enumValue(field.enum.values.map((value) => value.number));
    case "scalar":
      return scalar(field.scalar, field.longAsString, options);
    case "list": {
      let item: fc.Arbitrary<unknown>;
      if (field.listKind === "message") {
        if (depth >= options.depth) return fc.constant([]);
        item = messageOf(field.message, options, depth + 1);
      } else if (field.listKind === "enum") item = enumValue(field.enum.values.map((value) => value.number));
      else item = scalar(field.scalar, field.longAsString, options);
      // Long lists only at the top, or nested types multiply them.
      if (depth > 0) return fc.array(item, { maxLength: 3 });
      return fc.oneof(
        { weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: options.longList / 2, maxLength: options.longList }) },
      );
    }
  }
}

const enumValue = (numbers: number[]) => fc.oneof(fc.constantFrom(...numbers), fc.integer());

function text(options: ArbitraryOptions): fc.Arbitrary<string> {
  const short = options.loneSurrogates
    ? fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe00f }).map((c) => String.fromCharCode(c)) }))
    : fc.oneof(fc.string(), fc.string({ unit: "grapheme" }));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant("") },
    { weight: 6, arbitrary: short },
    // Around the encoder's short/long switch, and past one- and two-byte length prefixes.
    { weight: 2, arbitrary: fc.tuple(fc.nat(20_000), short).map(([n, tail]) => "a".repeat(n) + tail) },
    { weight: 2, arbitrary: fc.tuple(short, fc.integer({ min: 30, max: 140 }), short).map(([head, n, tail]) => head + "é".repeat(n % 3) + "x".repeat(n) + tail) },
  );
}

// Around each power of two: every varint length, both sides of each boundary.
const nearPowers = (top: number, signed: boolean) =>
  fc.tuple(fc.integer({ min: 0, max: top }), fc.integer({ min: -2, max: 1 }), fc.boolean()).map(([k, delta, negative]) => {
    const value = 2n ** BigInt(k) + BigInt(delta);
    return signed && negative ? -value : value;
  });
const int64Range = fc.oneof(nearPowers(62, true), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -300n, max: 2n ** 33n }), fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)));
const uint64Range = fc.oneof(nearPowers(63, false).filter((value) => value >= 0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 33n }), fc.constantFrom(0n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 64n - 1n));
const int32Range = fc.oneof(fc.integer(), fc.integer({ min: -200, max: 20_000 }), fc.constantFrom(0, -1, 0x7fffffff, -0x80000000));
const uint32Range = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(0, 0xffffffff));

function scalar(type: ScalarType, longAsString: boolean, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  const long = (range: fc.Arbitrary<bigint>) => (longAsString ? range.map(String) : range);
  switch (type) {
    case ScalarType.STRING:
      return text(options);
    case ScalarType.BYTES:
      return fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 300 }));
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32Range;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32Range;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(int64Range);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(uint64Range);
    case ScalarType.FLOAT:
      return fc.oneof(fc.float(), fc.constantFrom(0, -0, Number.NaN));
    case ScalarType.DOUBLE:
      return fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN));
  }
}

interface UnknownField {
  no: number;
  wireType: WireType;
  data: Uint8Array;
}

/** A few well-formed unknown fields (numbers the message does not use), as fromBinary keeps them. */
function unknownFields(desc: DescMessage): fc.Arbitrary<UnknownField[]> {
  const free = Math.max(0, ...desc.fields.map((field) => field.number)) + 1;
  const field = fc.oneof(
    fc.integer({ min: 0, max: 127 }).map((byte) => ({ wireType: WireType.Varint, data: Uint8Array.of(byte) })),
    fc.uint8Array({ maxLength: 20 }).map((bytes) => ({ wireType: WireType.LengthDelimited, data: Uint8Array.of(bytes.length, ...bytes) })),
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((data) => ({ wireType: WireType.Bit32, data })),
  );
  const list = fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), field).map(([offset, f]): UnknownField => ({ no: free + offset, ...f })), { maxLength: 3 });
  return fc.oneof({ weight: 6, arbitrary: fc.constant<UnknownField[]>([]) }, { weight: 1, arbitrary: list });
}
