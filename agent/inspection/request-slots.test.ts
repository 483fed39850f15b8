// The path's and headers' slots as classes (request-slots.ts) and decodedSlots without a closure
// per slot (its readings located from the raw slot; a string that cannot be rewritten read as
// itself and what it decodes to, with no writers), against the previous code copied below: the same
// slots (texts, locations, roles, numeric, groups, writable or not) in the same order, the same
// binary parts, the same refusals when two readings of one string are written, and the same request
// to forward after any writes.
import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forwardedHeaderNames } from "../http/headers.js";
import type { CanonicalBody } from "./canonical-body.js";
import { decodedSlots } from "./decoded-slots.js";
import { embeddedRuns, hexText, MIN_RUN } from "./embedded-base64.js";
import { readEncoded } from "./encoded-text.js";
import { decodeComponent, inspectRequest } from "./request-inspection.js";
import { type BinaryPart, type TextSlot, UnmaskableError } from "./text-slot.js";

// The previous decodedSlots: a slot per reading with closures to locate and write it.
function referenceDecoded(raw: TextSlot, slots: TextSlot[], binary?: BinaryPart[]): void {
  const lazy = (text: string, locate: () => string, fields: Pick<TextSlot, "role" | "numeric" | "group" | "write">): TextSlot => {
    const slot: TextSlot = { text, location: "" };
    Object.defineProperty(slot, "location", { get: locate });
    if (fields.role !== undefined) slot.role = fields.role;
    if (fields.numeric !== undefined) slot.numeric = fields.numeric;
    if (fields.group !== undefined) slot.group = fields.group;
    if (fields.write !== undefined) slot.write = fields.write;
    return slot;
  };
  const writeOnce = (location: () => string, message: string) => {
    let written = "";
    return (which: string, apply: (text: string) => void) => (text: string) => {
      if (written && written !== which) throw new UnmaskableError(location(), message);
      written = which;
      apply(text);
    };
  };
  const encoded = readEncoded(raw.text);
  const location = () => raw.location;
  const write = raw.write === undefined ? undefined : (text: string) => raw.write!(text);
  if (!encoded) {
    const runs = raw.text.length <= MIN_RUN ? [] : embeddedRuns(raw.text);
    if (runs.length === 0) {
      slots.push(raw);
      return;
    }
    const once = writeOnce(location, "a value is found both in a string and in base64 inside it");
    const original = raw.text;
    slots.push(lazy(original, location, { role: raw.role, numeric: raw.numeric, group: raw.group, write: write && once("own", (masked) => write(masked)) }));
    runs.forEach((run, index) => {
      const apply = (masked: string) => write!(original.slice(0, run.start) + run.text.encode(masked) + original.slice(run.end));
      slots.push(lazy(run.text.text, () => `${location()}#base64`, { write: write && once(`run ${index}`, apply) }));
    });
    return;
  }
  if (encoded.binary && binary) binary.push({ location: location(), kind: encoded.binary });
  const reading = encoded.text?.lossy ? (hexText(raw.text) ?? encoded.text) : encoded.text;
  if (!reading) {
    if (!(binary && encoded.binary) || raw.text.includes(" ")) slots.push(raw);
    return;
  }
  const once = writeOnce(location, "a value is found both in a string and in what it decodes to");
  const decoded = lazy(reading.text, () => `${location()}#base64`, { write: write && once("decoded", (masked) => write(reading.encode(masked))) });
  if (binary && encoded.binary) {
    slots.push(decoded);
    return;
  }
  slots.push(lazy(raw.text, location, { role: raw.role, numeric: raw.numeric, group: raw.group, write: write && once("own", (masked) => write(masked)) }), decoded);
}

const nonAscii = /[\u0080-\u00ff]/;

// The previous path and header loops (object literals, a location spelled and a closure per slot).
function referenceRequest(rest: string, headers: IncomingHttpHeaders, credentialHeader: string) {
  const slots: TextSlot[] = [];
  const add = (slot: TextSlot) => referenceDecoded(slot, slots);
  let routeChanged = false;
  const segments = rest.split("/");
  segments.forEach((segment, index) => {
    if (segment === "") return;
    add({ text: decodeComponent(segment) ?? segment, location: `request.path[${index}]`, write: (text) => {
      segments[index] = encodeURIComponent(text);
      routeChanged = true;
    } });
  });
  const forwarded: Record<string, string | string[]> = {};
  let headersChanged = false;
  for (const name of forwardedHeaderNames(headers, credentialHeader)) {
    const value = headers[name]!;
    forwarded[name] = value;
    add({ text: name, location: `request.header.${name}#name` });
    const values = Array.isArray(value) ? [...value] : [value];
    values.forEach((bytes, index) => {
      const utf8 = nonAscii.test(bytes) && isUtf8(Buffer.from(bytes, "latin1"));
      add({ text: utf8 ? Buffer.from(bytes, "latin1").toString("utf8") : bytes, location: `request.header.${name}`, write: (written) => {
        const masked = utf8 ? Buffer.from(written, "utf8").toString("latin1") : written;
        values[index] = masked;
        forwarded[name] = Array.isArray(value) ? values : masked;
        headersChanged = true;
      } });
    });
  }
  return { slots, rest: () => (routeChanged ? segments.join("/") : rest), headers: () => (headersChanged ? forwarded : undefined) };
}

const latin1 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
// Texts that read as themselves, as base64 of text (whole, inside, in runs), as bytes (the SDK's
// header names), as hex, as a payload.
const text = fc.constantFrom("application/json", "js", "7.55.0", "x-stainless-package-version", "x-stainless-retry-count", latin1("jane＠example.com"), "caf\u00e9", b64("jane.doe@example.com"),
  `see ${b64("mail jane@example.com now")} and ${b64("call 555-0100 please")}`, "6a616e65406578616d706c652e636f6d", "a".repeat(21), Buffer.alloc(300, 7).toString("base64"), `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]).toString("base64")}`, "", "two words");
const segment = fc.oneof(text.map(encodeURIComponent), fc.constantFrom("v1", "%E0%A4%A", "chat", ""));
const name = fc.constantFrom("accept", "user-agent", "x-stainless-package-version", "x-stainless-runtime-version", "x-note", "authorization", "x-api-key", "host", b64("jane@example.com").replace(/=/g, "").toLowerCase());
const headerSet = fc.dictionary(name, fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), { maxKeys: 6 });
const writes = fc.array(fc.tuple(fc.nat(), fc.constantFrom("[EMAIL]", "", "x", "＠é")), { maxLength: 4 });
const body = { bytes: Buffer.alloc(0), form: "empty" } as unknown as CanonicalBody;
const shape = (slots: readonly TextSlot[]) => slots.map((slot) => ({ text: slot.text, location: slot.location, role: slot.role, numeric: slot.numeric, group: slot.group, writable: slot.write !== undefined }));
const refusal = (write: () => void) => {
  try {
    write();
    return undefined;
  } catch (error) {
    return String(error);
  }
};

describe("request slots spelled on demand", () => {
  it("are the previous path and header slots, and forward what they forwarded once written", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), headerSet, fc.constantFrom("authorization", "x-api-key"), writes, (segments, headers, credential, edits) => {
        const rest = `/${segments.join("/")}`;
        const inspection = inspectRequest(body, { connection: "openai", rest, search: "" }, headers, credential);
        const reference = referenceRequest(rest, headers, credential);
        expect(shape(inspection.slots)).toEqual(shape(reference.slots));
        for (const [at, written] of edits) {
          if (reference.slots.length === 0) break;
          const index = at % reference.slots.length;
          const [mine, theirs] = [inspection.slots[index]!, reference.slots[index]!];
          if (theirs.write) expect(refusal(() => mine.write!(written))).toBe(refusal(() => theirs.write!(written)));
        }
        const upstream = inspection.upstream();
        expect(upstream.route.rest).toBe(reference.rest());
        expect(upstream.headers).toEqual(reference.headers());
        expect(shape(inspection.slots)).toEqual(shape(reference.slots));
      }),
      { numRuns: 300 },
    );
  });

  it("decodedSlots reads and writes as the previous one did, writable or not, with binary parts named or not", () => {
    const fields = fc.record({ role: fc.constantFrom(undefined, "value", "label", "key"), numeric: fc.constantFrom(undefined, true, false), group: fc.constantFrom(undefined, 0, 3), writable: fc.boolean(), named: fc.boolean() });
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(" ")), text, fields, writes, (joined, whole, field, edits) => {
        for (const value of [joined, whole]) {
          const make = (log: string[]): TextSlot => {
            const slot: TextSlot = { text: value, location: "request.messages[0].content" };
            if (field.role !== undefined) slot.role = field.role as TextSlot["role"];
            if (field.numeric !== undefined) slot.numeric = field.numeric;
            if (field.group !== undefined) slot.group = field.group;
            if (field.writable) slot.write = (written) => void log.push(written);
            return slot;
          };
          const [mineLog, theirLog] = [[] as string[], [] as string[]];
          const [mine, theirs] = [[] as TextSlot[], [] as TextSlot[]];
          const [mineBinary, theirBinary] = [[] as BinaryPart[], [] as BinaryPart[]];
          decodedSlots(make(mineLog), mine, field.named ? mineBinary : undefined);
          referenceDecoded(make(theirLog), theirs, field.named ? theirBinary : undefined);
          expect(shape(mine)).toEqual(shape(theirs));
          expect(mineBinary).toEqual(theirBinary);
          for (const [at, written] of theirs.length === 0 ? [] : edits) {
            const index = at % theirs.length;
            if (theirs[index]!.write) expect(refusal(() => mine[index]!.write!(written))).toBe(refusal(() => theirs[index]!.write!(written)));
          }
          expect(mineLog).toEqual(theirLog);
        }
      }),
      { numRuns: 300 },
    );
  });
});
