// The mask session as one object with methods, and its pseudonym table and finding counter with
// their maps made on first use, against the previous code (copied below: a closure per operation,
// maps made up front): over runs of operations — request texts and bodies, replies whole and
// streamed, headers, with redact and pseudonymize-and-restore rules — the same outputs, placeholders,
// findings and read-outs after every step.
import { isUtf8 } from "node:buffer";
import type { OutgoingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MaskFindingCount, MaskRule } from "../../core/detectors/mask-types.js";
import { createFindingCounter } from "./finding-counter.js";
import { createMaskContext } from "./mask-context.js";
import { createMaskSession, type MaskSession } from "./mask-session.js";
import { markerLabel, placeholder } from "./markers.js";
import { createPseudonymTable, type PseudonymEntry } from "./pseudonym-table.js";
import { maskRequestBody } from "./request-masker.js";
import { maskResponseBody } from "./response-masker.js";
import { createResponseStream, type ResponseStream } from "./response-stream.js";
import { pseudonymRule, rule } from "./test-rules.js";
import { readableReply } from "./uninspectable.js";
import { createCleanCache, type CleanCache } from "./value-masker.js";

// The previous table and counter: maps made up front.
class ReferenceTable {
  readonly byValue = new Map<string, PseudonymEntry>();
  readonly byToken = new Map<string, PseudonymEntry>();
  readonly counters = new Map<string, number>();
  restorable = 0;
  placeholderFor(value: string, detector: string, restore: boolean): string {
    let entry = this.byValue.get(value);
    if (!entry) {
      const label = markerLabel(detector);
      const number = (this.counters.get(label) ?? 0) + 1;
      this.counters.set(label, number);
      entry = { placeholder: placeholder(label, number), value, restore };
      this.byValue.set(value, entry);
      this.byToken.set(entry.placeholder, entry);
      if (restore) this.restorable++;
    } else if (restore && !entry.restore) {
      entry.restore = true;
      this.restorable++;
    }
    return entry.placeholder;
  }
}
class ReferenceCounter {
  readonly counts = new Map<string, MaskFindingCount>();
  add(detector: string, location: string): void {
    const key = `${detector}\u0000${location}`;
    const found = this.counts.get(key);
    if (found) found.count++;
    else this.counts.set(key, { detector, location, count: 1 });
  }
  list(): MaskFindingCount[] {
    return [...this.counts.values()].map((count) => ({ ...count }));
  }
}

// The previous session's header helpers and operations, as closures of one factory.
function nameReading(name: string): string {
  const parts = [name, name.replace(/[-_]/g, " ")];
  for (const separator of name.matchAll(/[-_]/g)) parts.push(name.slice(separator.index + 1));
  return parts.join("\n");
}
const headerLocation = (name: string) => `response.headers.${name}`;
const itself = (location: string) => location;
function maskHeaderValue(clean: CleanCache, name: string, text: string): string | undefined {
  const utf8 = /[\u0080-\u00ff]/.test(text) && isUtf8(Buffer.from(text, "latin1"));
  const found = clean.mask(utf8 ? Buffer.from(text, "latin1").toString("utf8") : text, name, headerLocation, false);
  return found && (utf8 ? Buffer.from(found.client, "utf8").toString("latin1") : found.client);
}

function referenceSession(provider: string, path: string, rules: readonly MaskRule[]) {
  const context = createMaskContext(rules);
  let cleanCache: CleanCache | undefined;
  const responseStream = (): ResponseStream => {
    const stream = createResponseStream(provider, path, context);
    return { push: (chunk) => readableReply(() => stream.push(chunk)), end: () => readableReply(() => stream.end()) };
  };
  return {
    maskRequest: (body: Buffer, parsed?: unknown) => (context.masksRequests ? maskRequestBody(body, context.prompt, parsed) : body),
    maskText: (text: string, location: string) => (context.masksRequests ? context.prompt.mask(text, location) : text),
    maskResponse(body: Buffer, contentType: string) {
      if (!context.reply.active) return { client: body, record: body };
      return readableReply(() => maskResponseBody(body, contentType, context.reply, responseStream, (cleanCache ??= createCleanCache(context.reply))));
    },
    responseStream,
    maskHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
      if (!context.reply.active) return headers;
      const clean = (cleanCache ??= createCleanCache(context.reply));
      let out: OutgoingHttpHeaders | undefined;
      for (const name in headers) {
        const value = headers[name];
        if (value === undefined) continue;
        if (clean.mask(nameReading(name), "response.headers", itself) !== undefined) {
          out ??= { ...headers };
          delete out[name];
          continue;
        }
        if (Array.isArray(value)) {
          let masked: string[] | undefined;
          for (let index = 0; index < value.length; index++) {
            const found = maskHeaderValue(clean, name, value[index]!);
            if (found !== undefined) (masked ??= [...value])[index] = found;
          }
          if (masked) (out ??= { ...headers })[name] = masked;
          continue;
        }
        const found = maskHeaderValue(clean, name, String(value));
        if (found !== undefined) (out ??= { ...headers })[name] = found;
      }
      return out ?? headers;
    },
    findings: () => context.counter.list(),
    get inspectsReplies() {
      return context.reply.active;
    },
    get masked() {
      return context.counter.any;
    },
  };
}

const values = ["jane.doe@example.com", "+44 20 7946 0958", "ana@example.org", "the board", "<EMAIL_1>", "<PHONE_1>", "nothing here"];
const text = fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(" "));
const op = fc.oneof(
  fc.record({ kind: fc.constant("text" as const), text }),
  fc.record({ kind: fc.constant("request" as const), text }),
  fc.record({ kind: fc.constant("reply" as const), text }),
  fc.record({ kind: fc.constant("stream" as const), texts: fc.array(text, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant("headers" as const), text }),
);
const ruleSets: MaskRule[][] = [[rule()], [pseudonymRule()], [rule({ direction: "response" })], [pseudonymRule({ direction: "request" })], [rule(), pseudonymRule({ policy: "p2" })]];

type Session = Pick<MaskSession, "maskRequest" | "maskText" | "maskResponse" | "responseStream" | "maskHeaders" | "findings" | "inspectsReplies" | "masked">;

/** Runs `op` on `session`: what it gave (as text), or the refusal. */
function run(session: Session, step: { kind: string; text?: string; texts?: string[] }): unknown {
  try {
    switch (step.kind) {
      case "text":
        return session.maskText(step.text!, "request.text");
      case "request":
        return session.maskRequest(Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: step.text }] }))).toString();
      case "reply": {
        const out = session.maskResponse(Buffer.from(JSON.stringify({ choices: [{ message: { content: step.text } }] })), "application/json");
        return [out.client.toString(), out.record.toString()];
      }
      case "stream": {
        const stream = session.responseStream();
        const sent = step.texts!.map((piece) => stream.push(Buffer.from(`data: ${JSON.stringify({ choices: [{ delta: { content: piece } }] })}\n\n`)));
        const tail = stream.end();
        return [...sent, tail].map((out) => [out.client.toString(), out.record.toString()]);
      }
      default:
        return session.maskHeaders({ "x-note": step.text, "content-type": "application/json", [`x-${step.text!.length % 3 === 0 ? "jane@example.com" : "id"}`]: ["a", step.text!] });
    }
  } catch (error) {
    return { refused: String(error) };
  }
}

describe("the mask session as one object, its table and counter made on first use", () => {
  it("gives what the previous session gave, step after step", () => {
    fc.assert(
      fc.property(fc.nat(ruleSets.length - 1), fc.array(op, { minLength: 1, maxLength: 6 }), (set, steps) => {
        const rules = ruleSets[set]!;
        const session = createMaskSession("openai", "/v1/chat/completions", rules);
        const reference = referenceSession("openai", "/v1/chat/completions", rules);
        for (const step of steps) {
          expect(run(session, step), JSON.stringify(step)).toEqual(run(reference, step));
          expect([session.inspectsReplies, session.masked]).toEqual([reference.inspectsReplies, reference.masked]);
        }
        expect(session.findings()).toEqual(reference.findings());
      }),
      { numRuns: 150 },
    );
  });

  it("keeps placeholders and counts as the previous table and counter, any order of calls", () => {
    const call = fc.tuple(fc.constantFrom("jane@example.com", "ana@example.org", "+44 20 7946 0958"), fc.constantFrom("email", "phone", "iban"), fc.boolean(), fc.constantFrom("request.a", "response.b"));
    fc.assert(
      fc.property(fc.array(call, { maxLength: 12 }), fc.array(fc.constantFrom("<EMAIL_1>", "<EMAIL_2>", "<PHONE_1>", "<X>"), { maxLength: 4 }), (calls, tokens) => {
        const [table, counter] = [createPseudonymTable(), createFindingCounter()];
        const [oldTable, oldCounter] = [new ReferenceTable(), new ReferenceCounter()];
        expect([table.size, table.restorable, counter.any, counter.list()]).toEqual([0, 0, false, []]);
        for (const [value, detector, restore, location] of calls) {
          expect(table.placeholderFor(value, detector, restore)).toBe(oldTable.placeholderFor(value, detector, restore));
          counter.add(detector, location);
          oldCounter.add(detector, location);
          expect([table.size, table.restorable, counter.any]).toEqual([oldTable.byToken.size, oldTable.restorable, oldCounter.counts.size > 0]);
        }
        for (const token of tokens) expect(table.byPlaceholder(token)).toEqual(oldTable.byToken.get(token));
        expect(counter.list()).toEqual(oldCounter.list());
      }),
      { numRuns: 300 },
    );
  });
});
