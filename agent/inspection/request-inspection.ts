// Everything of a request that reaches the upstream as text, as slots: the path's segments and the
// query's names and values (percent-decoded), the headers that are forwarded (not credentials, not
// hop-by-hop, not those the agent sets), and every string of the canonical body, whatever its
// shape. Masking writes into the slots; upstream() gives the request to send, re-encoded only
// where something changed.
import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import { looksLikeJson, stringifyJsonBody } from "../masking/json-body.js";
import type { Route } from "../http/route.js";
import { forwardedHeaderNames } from "../http/headers.js";
import { type CanonicalBody, relabelledUtf8 } from "./canonical-body.js";
import { documentSlots, parseJsonText, writeJsonText } from "./json-lines.js";
import { jsonSlots, type JsonSlots } from "./json-slots.js";
import { writeMultipart } from "./multipart-body.js";
import { decodedSlots } from "./decoded-slots.js";
import { joinedReading, type JoinedReading } from "./joined-reading.js";
import { HeaderNameSlot, type HeaderWrites, HeaderValueSlot, PathSlot, type RouteWrites } from "./request-slots.js";
import { type BinaryPart, MAX_INSPECTED_VALUES, type TextSlot } from "./text-slot.js";

/** A body to send and the Content-Type that describes it (absent: the caller's). */
export interface UpstreamBody {
  bytes: Buffer;
  contentType?: string;
}

/** The request as slots, and the request to send once they were masked. */
export interface RequestInspection {
  /** Fixed once inspected: masking writes through the slots into the request, never into a slot's text. */
  readonly slots: readonly TextSlot[];
  /** How the slots are read joined (joined-reading.ts), worked out once (content rules and masking both read it). */
  reading(): JoinedReading;
  /** Parts that are not text (images, audio, files): inspected by no one. */
  readonly binary: readonly BinaryPart[];
  /** What to send upstream: the canonical body and route, and the caller's headers as masked (absent: unchanged). */
  upstream(): { body: UpstreamBody; route: Route; headers?: Record<string, string | string[]> };
}

const nonAscii = /[\u0080-\u00ff]/;

// A multipart part that names itself JSON or JSON lines, by file name or type.
const jsonPart = /json/i;

/** `text` percent-decoded, undefined when it is no valid escape sequence (only a "%" starts one: text without is itself). */
export function decodeComponent(text: string): string | undefined {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The slots of one request; `credentialHeader` is the connection's, never forwarded from the
 * caller. Throws InspectionLimitError when the body holds more values than the agent inspects.
 */
export function inspectRequest(canonical: CanonicalBody, route: Route, headers: IncomingHttpHeaders, credentialHeader: string): RequestInspection {
  const slots: TextSlot[] = [];
  const binary: BinaryPart[] = [];
  const budget = { left: MAX_INSPECTED_VALUES };
  // Path, query, headers, forms, text: each read as it is and as the base64 it may be.
  const add = (slot: TextSlot) => decodedSlots(slot, slots);
  let bodyChanged = false;

  // Path segments, decoded; a segment that is no valid escape sequence is read as written.
  const routeWrites: RouteWrites = { segments: route.rest.split("/"), changed: false };
  const { segments } = routeWrites;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    if (segment !== "") add(new PathSlot(decodeComponent(segment) ?? segment, index, routeWrites));
  }
  // Query names and values, decoded as the upstream's form parser would (`+` is a space).
  // No query (most requests): no parser made for nothing.
  const pairs: [string, string][] = route.search === "" ? [] : [...new URLSearchParams(route.search)];
  pairs.forEach(([name, value], index) => {
    add({ text: name, location: `request.query[${index}]#name`, write: (text) => {
      pairs[index] = [text, pairs[index]![1]];
      routeWrites.changed = true;
    } });
    add({ text: value, location: `request.query.${name}`, write: (text) => {
      pairs[index] = [pairs[index]![0], text];
      routeWrites.changed = true;
    } });
  });
  // Forwarded headers: values are rewritten, names cannot be.
  const headerWrites: HeaderWrites = { forwarded: {}, changed: false };
  const { forwarded } = headerWrites;
  for (const name of forwardedHeaderNames(headers, credentialHeader)) {
    const value = headers[name]!;
    forwarded[name] = value;
    add(new HeaderNameSlot(name));
    // Node hands header bytes over as Latin-1; an upstream reads them as UTF-8 (`＠` is three
    // bytes), so UTF-8 is read as UTF-8 and written back as its bytes. One value (most headers):
    // its slot writes the header itself (no list of values, no callback per header).
    if (!Array.isArray(value)) {
      const utf8 = nonAscii.test(value) && isUtf8(Buffer.from(value, "latin1"));
      add(new HeaderValueSlot(utf8 ? Buffer.from(value, "latin1").toString("utf8") : value, name, utf8, headerWrites));
      continue;
    }
    const values = [...value];
    values.forEach((bytes, index) => {
      const utf8 = nonAscii.test(bytes) && isUtf8(Buffer.from(bytes, "latin1"));
      const text = utf8 ? Buffer.from(bytes, "latin1").toString("utf8") : bytes;
      add({ text, location: `request.header.${name}`, write: (written) => {
        const masked = utf8 ? Buffer.from(written, "utf8").toString("latin1") : written;
        values[index] = masked;
        forwarded[name] = Array.isArray(value) ? values : masked;
        headerWrites.changed = true;
      } });
    });
  }

  // The body.
  const holder = { request: canonical.json };
  let json: JsonSlots | undefined;
  // Writes to finish before the body is written again (JSON documents carried in parts).
  const finish: (() => void)[] = [];
  let text = canonical.text;
  let form: [string, string][] | undefined;
  const parts = canonical.multipart?.parts.map((part) => ({ ...part }));
  const markBody = () => {
    bodyChanged = true;
  };
  switch (canonical.form) {
    case "json":
      json = jsonSlots(holder, "request", "request", markBody, budget);
      break;
    case "jsonl":
      json = documentSlots(canonical.documents!, "request.lines", markBody, budget);
      break;
    case "text":
      add({ text: text!, location: "request.body", role: "value", write: (masked) => {
        text = masked;
        markBody();
      } });
      break;
    case "form":
      form = [...new URLSearchParams(text)];
      form.forEach(([name, value], index) => {
        add({ text: name, location: `request.form[${index}]#name`, role: "key", write: (masked) => {
          form![index] = [masked, form![index]![1]];
          markBody();
        } });
        add({ text: value, location: `request.form.${name}`, role: "value", write: (masked) => {
          form![index] = [form![index]![0], masked];
          markBody();
        } });
      });
      break;
    case "multipart":
      parts!.forEach((part, index) => {
        const where = `request.parts[${index}]`;
        add({ text: part.name, location: `${where}#name`, role: "key", write: (masked) => {
          part.name = masked;
          markBody();
        } });
        if (part.filename !== undefined) {
          add({ text: part.filename, location: `${where}#filename`, role: "label", write: (masked) => {
            part.filename = masked;
            markBody();
          } });
        }
        if (part.text === undefined) {
          binary.push({ location: where, kind: `multipart ${part.filename === undefined ? "field" : "file"} ${part.contentType ?? "application/octet-stream"}` });
          return;
        }
        // A JSON or JSON lines file (a batch, a fine-tuning set) is read as documents, like a body;
        // one that is not strict JSON is read as text.
        const documents = jsonPart.test(`${part.filename ?? ""} ${part.contentType ?? ""}`) || looksLikeJson(part.text) ? parseJsonText(part.text) : undefined;
        if (documents?.ok) {
          const inner = documentSlots(documents.pieces, where, markBody, budget);
          for (const slot of inner.slots) slots.push(slot);
          for (const part of inner.binary) binary.push(part);
          finish.push(() => {
            inner.commit();
            if (documents.pieces.some((piece) => "json" in piece && piece.changed)) part.text = writeJsonText(documents.pieces);
          });
          return;
        }
        add({ text: part.text, location: where, role: "value", write: (masked) => {
          part.text = masked;
          markBody();
        } });
      });
      break;
    case "binary":
      binary.push({ location: "request.body", kind: `body ${String(headers["content-type"] ?? "application/octet-stream")}` });
      break;
    case "empty":
      break;
  }
  if (json) {
    for (const slot of json.slots) slots.push(slot);
    for (const part of json.binary) binary.push(part);
  }

  let reading: JoinedReading | undefined;
  return {
    slots,
    binary,
    reading: () => (reading ??= joinedReading(slots)),
    upstream() {
      let body: UpstreamBody = { bytes: canonical.bytes, contentType: canonical.contentType };
      if (bodyChanged) {
        for (const step of finish) step();
        if (json) {
          json.commit();
          const written = canonical.form === "jsonl" ? writeJsonText(canonical.documents!) : stringifyJsonBody(holder.request);
          body = { bytes: Buffer.from(written, "utf8"), contentType: canonical.contentType };
        } else if (form) body = { bytes: Buffer.from(new URLSearchParams(form).toString(), "utf8"), contentType: canonical.contentType };
        else if (parts) body = writeMultipart(parts);
        else body = { bytes: Buffer.from(text ?? "", "utf8"), contentType: canonical.contentType };
      }
      // A transcoded body goes with the caller's Content-Type relabelled UTF-8, which replaces the
      // caller's header upstream: made from that header as masked, or its other parameters would
      // carry what masking took out of it (multipart bodies get a fresh type of the agent's own).
      const type = forwarded["content-type"];
      if (headerWrites.changed && body.contentType !== undefined && canonical.form !== "multipart" && typeof type === "string") {
        body = { ...body, contentType: relabelledUtf8(type, canonical.form) };
      }
      const routeChanged = routeWrites.changed;
      const search = routeChanged && pairs.length > 0 ? `?${new URLSearchParams(pairs).toString()}` : route.search;
      const upstreamRoute = routeChanged ? { ...route, rest: segments.join("/"), search } : route;
      return { body, route: upstreamRoute, headers: headerWrites.changed ? forwarded : undefined };
    },
  };
}
