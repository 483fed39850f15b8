// A raw HTTP/1.1 client for fuzzing: writes exactly the bytes given (so malformed request lines,
// CRLF tricks and conflicting framing reach the server as sent) and reads whatever comes back.
import net from "node:net";

/** A response as read off the socket; `headers` lower-cased, repeated ones joined with ", ". */
export interface RawResponse {
  raw: Buffer;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The fuzz run count (env FUZZ_RUNS) and seed (env FUZZ_SEED), fixed by default so a failure reruns the same way. */
export function fuzzParams(defaultRuns: number): { numRuns: number; seed: number; verbose: number } {
  return { numRuns: Number(process.env.FUZZ_RUNS ?? defaultRuns), seed: Number(process.env.FUZZ_SEED ?? 20261129), verbose: 1 };
}

/** Sends `bytes` to `url`'s host and port, half-closes when `endAfter` is set, and resolves with all bytes read before the server closed or `timeoutMs` passed. */
export function rawExchange(url: string, bytes: Buffer, options: { timeoutMs?: number; endAfter?: boolean } = {}): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, options.timeoutMs ?? 5_000);
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) done();
    });
    socket.on("error", done);
    socket.on("close", done);
    socket.write(bytes, () => {
      if (options.endAfter) socket.end();
    });
  });
}

/** Parses the first response in `raw`, or undefined when it is not a well-formed HTTP/1.1 response head. */
export function parseResponse(raw: Buffer): RawResponse | undefined {
  // Interim responses (100 Continue) come first; the answer is the one after them.
  while (/^HTTP\/1\.1 1\d\d /.test(raw.subarray(0, 13).toString("latin1"))) {
    const interimEnd = raw.indexOf("\r\n\r\n");
    if (interimEnd < 0) return undefined;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const match = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine ?? "");
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"]?.includes("chunked")) body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  return { raw, status: Number(match[1]), headers, body };
}

/** Whether `raw` holds a whole response with a Content-Length (the server may keep the socket open after it, e.g. while discarding an upload). */
function isComplete(raw: Buffer): boolean {
  const response = parseResponse(raw);
  const length = response?.headers["content-length"];
  if (!response || length === undefined || response.status < 200) return false;
  return response.raw.length - response.raw.indexOf("\r\n\r\n") - 4 >= Number(length);
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
