// Undoes a reply's content-encoding so the agent reads (and the caller gets) the body itself. The
// agent asks upstreams for identity (it drops accept-encoding), but an upstream may compress anyway:
// gzip, x-gzip, deflate (zlib or raw), br and zstd are decoded, in the reverse order they were
// applied; any other coding, or data a decoder rejects, cannot be inspected (UninspectableReply).
import { Readable, type Transform, pipeline } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw, createZstdDecompress } from "node:zlib";
import { UninspectableReply } from "../masking/uninspectable.js";

type Decoder = () => Transform;

const decoders: Record<string, Decoder | "deflate"> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  br: createBrotliDecompress,
  zstd: createZstdDecompress,
  deflate: "deflate",
};

/** The codings of a content-encoding header, in the order they were applied (identity left out). */
export function contentCodings(header: string | string[] | undefined): string[] {
  if (header === undefined) return []; // most bodies
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== "" && coding !== "identity");
}

/** Throws UninspectableReply when a coding is not one the agent decodes. */
export function checkCodings(codings: readonly string[]): void {
  const unknown = codings.find((coding) => !(coding in decoders));
  if (unknown !== undefined) throw new UninspectableReply(`content-encoding ${unknown} is not one Palisade decodes`);
}

// "deflate" should be the zlib format (RFC 9110), but some servers send raw deflate: a zlib stream
// opens with a method nibble of 8 and a header that is a multiple of 31.
function isZlibHeader(first: Buffer): boolean {
  return first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
}

// An error of the body the decoder reads (the upstream cut off, went idle), kept apart from the
// decoder's own errors (corrupt data) as it passes through the pipeline.
class SourceFailure extends Error {
  constructor(readonly original: unknown) {
    super("source failed");
  }
}

async function* decodeOne(source: AsyncIterable<Buffer>, coding: string): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const next = async () => {
    try {
      return await iterator.next();
    } catch (error) {
      throw new SourceFailure(error);
    }
  };
  let first = await iterator.next();
  if (first.done) return;
  let head: Buffer = first.value;
  // The deflate flavour is known from the first two bytes; a one-byte first chunk waits for the next.
  while (coding === "deflate" && head.length < 2) {
    first = await iterator.next();
    if (first.done) break;
    head = Buffer.concat([head, first.value]);
  }
  const make = decoders[coding];
  const transform = make === "deflate" ? (isZlibHeader(head) ? createInflate() : createInflateRaw()) : (make as Decoder)();
  const input = Readable.from((async function* () {
    yield head;
    for (let step = await next(); !step.done; step = await next()) yield step.value;
  })());
  const output = pipeline(input, transform, () => {});
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (error instanceof SourceFailure) throw error.original;
    if (error instanceof UninspectableReply) throw error;
    throw new UninspectableReply(`its ${coding} data is corrupt`);
  }
}

/** The decoded body of a reply whose content-encoding lists `codings` (checked with checkCodings first). */
export function decodeBody(body: AsyncIterable<Buffer>, codings: readonly string[]): AsyncIterable<Buffer> {
  let decoded: AsyncIterable<Buffer> = body;
  for (const coding of [...codings].reverse()) decoded = decodeOne(decoded, coding);
  return decoded;
}
