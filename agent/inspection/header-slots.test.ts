// A request's header slots with one value written straight into the header (no list, no callback
// per header) and short texts added without an empty run list, against the previous header loop
// (copied below, through the same decodedSlots): over header sets of one and several values,
// Latin-1 bytes that are UTF-8 and that are not, base64 names and values, any credential header —
// the same slots (texts, locations, roles, writable or not) in the same order, and after writing
// any of them, the same headers to forward.
import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forwardedHeaderNames } from "../http/headers.js";
import type { CanonicalBody } from "./canonical-body.js";
import { decodedSlots } from "./decoded-slots.js";
import { embeddedRuns, MIN_RUN } from "./embedded-base64.js";
import { readEncoded } from "./encoded-text.js";
import { inspectRequest } from "./request-inspection.js";
import type { TextSlot } from "./text-slot.js";

const nonAscii = /[\u0080-\u00ff]/;

// The previous loop over the forwarded headers.
function referenceHeaders(headers: IncomingHttpHeaders, credentialHeader: string) {
  const slots: TextSlot[] = [];
  const add = (slot: TextSlot) => decodedSlots(slot, slots);
  const forwarded: Record<string, string | string[]> = {};
  let headersChanged = false;
  for (const name of forwardedHeaderNames(headers, credentialHeader)) {
    const value = headers[name]!;
    forwarded[name] = value;
    add({ text: name, location: `request.header.${name}#name` });
    const values = Array.isArray(value) ? [...value] : [value];
    values.forEach((bytes, index) => {
      const utf8 = nonAscii.test(bytes) && isUtf8(Buffer.from(bytes, "latin1"));
      const text = utf8 ? Buffer.from(bytes, "latin1").toString("utf8") : bytes;
      add({ text, location: `request.header.${name}`, write: (written) => {
        const masked = utf8 ? Buffer.from(written, "utf8").toString("latin1") : written;
        values[index] = masked;
        forwarded[name] = Array.isArray(value) ? values : masked;
        headersChanged = true;
      } });
    });
  }
  return { slots, headers: () => (headersChanged ? forwarded : undefined) };
}

// Latin-1 strings as node:http hands header bytes over: ASCII, UTF-8 bytes (`＠`, `é`), Latin-1 that is no UTF-8, base64 of text.
const latin1 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const value = fc.constantFrom("application/json", "js", "7.55.0", latin1("jane＠example.com"), latin1("café"), "caf\u00e9", "amFuZS5kb2VAZXhhbXBsZS5jb20=", "a".repeat(20), "a".repeat(21), "(bWFpbCBqYW5lQGV4YW1w", "bWFpbCBqYW5lQGV4YW1w", "bWFpbCBqYW5lLmRvZUBleGFtcGxlLmNvbSBwbGVhc2U= tail", "");
// Lower case, as node:http gives them.
const name = fc.constantFrom("accept", "user-agent", "x-stainless-package-version", "x-note", "authorization", "x-api-key", "cookie", "host", "connection", "x-amfuzs5kb2u");
const headerSet = fc.dictionary(name, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })), { maxKeys: 7 });
const body: CanonicalBody = { bytes: Buffer.alloc(0), form: "empty" } as unknown as CanonicalBody;
const route = { connection: "openai", rest: "", search: "" };
const shape = (slots: readonly TextSlot[]) => slots.map((slot) => ({ text: slot.text, location: slot.location, role: slot.role, numeric: slot.numeric, writable: slot.write !== undefined }));

describe("header slots", () => {
  it("are the previous loop's, and forward what it forwarded once written", () => {
    fc.assert(
      fc.property(headerSet, fc.constantFrom("authorization", "x-api-key"), fc.array(fc.tuple(fc.nat(), fc.constantFrom("[EMAIL]", "", "x", "＠é")), { maxLength: 4 }), (headers, credential, writes) => {
        const inspection = inspectRequest(body, route, headers, credential);
        const reference = referenceHeaders(headers, credential);
        expect(shape(inspection.slots)).toEqual(shape(reference.slots));
        for (const [at, text] of writes) {
          if (reference.slots.length === 0) break;
          const index = at % reference.slots.length;
          const [mine, theirs] = [inspection.slots[index]!, reference.slots[index]!];
          if (!theirs.write) continue;
          // Two readings of one string written refuse the request (decoded-slots.ts): the same refusal both ways.
          const refusal = (write: () => void) => {
            try {
              write();
              return undefined;
            } catch (error) {
              return String(error);
            }
          };
          expect(refusal(() => mine.write!(text))).toBe(refusal(() => theirs.write!(text)));
        }
        expect(inspection.upstream().headers).toEqual(reference.headers());
      }),
      { numRuns: 400 },
    );
  });

  it("add a text that decodes to nothing as the previous decodedSlots did: itself, or itself and its runs", () => {
    const piece = fc.constantFrom("a", "(", " ", "bWFpbCBqYW5lQGV4YW1w", "amFuZQ", "==", "x".repeat(19));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 4 }).map((parts) => parts.join("")), (text) => {
        fc.pre(!readEncoded(text));
        const raw: TextSlot = { text, location: "l", write: () => {} };
        const slots: TextSlot[] = [];
        decodedSlots(raw, slots);
        // The previous branch: runs looked for past MIN_RUN characters only, the slot itself when there are none.
        const runs = text.length > MIN_RUN ? embeddedRuns(text) : [];
        if (runs.length === 0) expect(slots).toEqual([raw]);
        else expect(slots.map((slot) => slot.text)).toEqual([text, ...runs.map((run) => run.text.text)]);
      }),
      { numRuns: 400 },
    );
  });
});
