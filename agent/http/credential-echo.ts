// The connection's credential never goes back to the caller. The agent injects it into every
// upstream request; an upstream that reflects request headers (an error quoting the key it was
// given, a debugging endpoint under the base path of a `generic` connection, a proxy echoing what
// it received) would hand the caller the one secret the gateway exists to keep from it, and the
// caller could then call the provider directly, past every policy and record. So every reply's
// headers and body are searched for the credential before the caller gets a byte of them.
//
// What is searched for (the "needles"), for each secret — the value without an auth scheme word
// such as `Bearer`, and for `Basic` also the decoded `user:password` and the password: its
// first run of 12 or more letters and digits, else the whole secret (8 characters or more).
// Escaping (JSON `\/`, percent-encoding, quoting) rewrites only the other characters, so a key
// reflected whole, however escaped, still shows that run; the first one, so that what goes out
// before it is found is the key's public prefix (`sk-proj-`) and at most a few short runs. A
// provider's usual redaction (`sk-proj-****…abcd`) shows no such run, and passes. One needle a
// secret: each is one search per chunk on the hot path.
import type { OutgoingHttpHeaders } from "node:http";

/** The reply reflected the connection's credential; nothing more of it may reach the caller. */
export class CredentialEchoed extends Error {
  constructor(readonly where: "headers" | "body") {
    super(`the upstream's reply ${where === "headers" ? "headers hold" : "body holds"} the connection's credential`);
  }
}

/** Shortest run of letters and digits searched for on its own. */
const MIN_RUN = 12;
/** Shortest secret searched for whole (shorter values are no secret worth the name, and would match by chance). */
const MIN_SECRET = 8;

/** The byte strings whose presence in a reply gives the credential `value` away (none when it is too short to tell). */
export function credentialNeedles(value: string): Buffer[] {
  const words = value.trim().split(/\s+/);
  // "Bearer X", "Basic X", "Token X": the scheme word is no secret.
  const scheme = words.length > 1 && /^[A-Za-z][A-Za-z-]*$/.test(words[0]!) ? words.shift()!.toLowerCase() : "";
  const secrets = [...words];
  if (scheme === "basic") {
    for (const word of words) {
      const decoded = Buffer.from(word, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0 && !/[\p{Cc}\uFFFD]/u.test(decoded)) secrets.push(decoded, decoded.slice(colon + 1));
    }
  }
  const found = new Set<string>();
  for (const secret of secrets) {
    const run = (secret.match(/[A-Za-z0-9]+/g) ?? []).find((candidate) => candidate.length >= MIN_RUN);
    if (run) found.add(run);
    else if (secret.length >= MIN_SECRET) found.add(secret);
  }
  // A needle holding another is found whenever that one is: keep the shorter.
  const all = [...found];
  return all.filter((needle) => !all.some((other) => other !== needle && needle.includes(other))).map((needle) => Buffer.from(needle, "utf8"));
}

/** Whether any header value holds a needle (header names are the upstream's choice of few words: values only). */
export function headersEcho(headers: OutgoingHttpHeaders, needles: readonly Buffer[]): boolean {
  if (needles.length === 0) return false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join("\n") : String(value);
    // A header value is read as Node wrote it: latin1, one byte a character.
    const bytes = Buffer.from(text, "latin1");
    if (needles.some((needle) => bytes.includes(needle))) return true;
    if (needles.some((needle) => text.includes(needle.toString("utf8")))) return true;
  }
  return false;
}

/** How many bytes at the end of `data` could begin a needle (held back until the next chunk tells). */
function pendingTail(data: Buffer, needles: readonly Buffer[]): number {
  let longest = 0;
  for (const needle of needles) {
    const first = needle[0]!;
    // Only a start within the needle's length of the end can be cut by the chunk's end.
    for (let at = data.indexOf(first, Math.max(0, data.length - needle.length + 1)); at !== -1; at = data.indexOf(first, at + 1)) {
      const tail = data.length - at;
      if (tail <= longest) break;
      if (data.compare(needle, 0, tail, at) === 0) {
        longest = tail;
        break;
      }
    }
  }
  return longest;
}

/** A reply body's search for the credential, chunk by chunk. */
export interface EchoGuard {
  /**
   * The bytes of `chunk` (after those held from before) that may go to the caller now: bytes that
   * could begin the credential wait for the next chunk (a chunk ending in a line break never waits:
   * no needle holds one). Throws CredentialEchoed when a needle is found whole, across chunks too.
   */
  push(chunk: Buffer): Buffer;
  /** What is still held, at the body's end. */
  end(): Buffer;
}

const empty = Buffer.alloc(0);
const passing: EchoGuard = { push: (chunk) => chunk, end: () => empty };

/** A guard searching for `needles` (one that lets everything through when there are none). */
export function createEchoGuard(needles: readonly Buffer[]): EchoGuard {
  if (needles.length === 0) return passing;
  // The bytes any needle holds: a chunk ending in another (a line break, "}") holds nothing back.
  const inNeedle = new Uint8Array(256);
  for (const needle of needles) for (const byte of needle) inNeedle[byte] = 1;
  let held: Buffer | undefined;
  return {
    push(chunk) {
      const data = held ? Buffer.concat([held, chunk]) : chunk;
      if (data.length === 0) return data;
      for (const needle of needles) if (data.includes(needle)) throw new CredentialEchoed("body");
      const pending = inNeedle[data[data.length - 1]!] === 1 ? pendingTail(data, needles) : 0;
      held = pending > 0 ? Buffer.from(data.subarray(data.length - pending)) : undefined;
      return pending > 0 ? data.subarray(0, data.length - pending) : data;
    },
    end() {
      const rest = held ?? empty;
      held = undefined;
      return rest;
    },
  };
}
