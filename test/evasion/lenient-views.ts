// Readings a lenient upstream, tool or model applies to request text, for the request-side evasion
// suites (written independently of the agent's inspection code): percent-escapes with invalid UTF-8
// read as Latin-1, XML/HTML character and entity references with CDATA, comments and tags taken
// out, quoted-printable, JSON escapes (once or written twice), base64 with blanks removed (UTF-8,
// UTF-16 and Latin-1 text), JSON documents on lines, and header values as UTF-8.

const entities: Record<string, string> = { commat: "@", period: ".", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", shy: "\u00ad", num: "#", plus: "+", hyphen: "-", dash: "-" };

function percentLatin1(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ""), "hex");
    const utf8 = bytes.toString("utf8");
    return utf8.includes("\ufffd") ? bytes.toString("latin1") : utf8;
  });
}

function xmlText(text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]*>/g, "")
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(Math.min(0x10ffff, Number.parseInt(hex, 16))))
    .replace(/&#(\d+);?/g, (_, decimal: string) => String.fromCodePoint(Math.min(0x10ffff, Number(decimal))))
    .replace(/&([a-z]+);/gi, (whole, name: string) => entities[name.toLowerCase()] ?? whole);
}

const quotedPrintable = (text: string) => text.replace(/=\r?\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
// Python's \N{…} names of the signs a value needs, and of the letters of the keyword's words.
const pythonNamed: Record<string, string> = { "COMMERCIAL AT": "@", "FULL STOP": ".", "FULLWIDTH COMMERCIAL AT": "@", "HYPHEN-MINUS": "-", SPACE: " " };
for (const letter of "abcdefghijklmnopqrstuvwxyz") pythonNamed[`LATIN SMALL LETTER ${letter.toUpperCase()}`] = letter;
// JSON's \u, and the escapes of C, Python (\U with eight hex digits, three-digit octal, \N{name}) and CSS (\40 ) strings.
const jsonEscapes = (text: string) =>
  text
    .replace(/\\+u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\+U([0-9a-fA-F]{8})/g, (_, hex: string) => String.fromCodePoint(Math.min(0x10ffff, Number.parseInt(hex, 16))))
    .replace(/\\([0-9a-fA-F]{6})/g, (_, hex: string) => String.fromCodePoint(Math.max(1, Math.min(0x10ffff, Number.parseInt(hex, 16)))))
    .replace(/\\+([0-3][0-7]{2})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\n]?/g, (_, hex: string) => String.fromCodePoint(Math.max(1, Math.min(0x10ffff, Number.parseInt(hex, 16)))))
    .replace(/\\+N\{([A-Za-z -]+)\}/g, (whole, name: string) => pythonNamed[name.toUpperCase()] ?? whole);

// Base64 runs (blanks removed) decoded as the texts a reader could take them for.
function base64Texts(text: string): string[] {
  const out: string[] = [];
  const compact = text.replace(/\s+/g, "");
  for (const match of compact.matchAll(/[A-Za-z0-9+/_-]{8,}={0,2}/g)) {
    const bytes = Buffer.from(match[0].replace(/-/g, "+").replace(/_/g, "/"), "base64");
    out.push(bytes.toString("utf8"), bytes.toString("latin1"), bytes.toString("utf16le"));
    if (bytes.length % 2 === 0) out.push(Buffer.from(bytes).swap16().toString("utf16le"));
  }
  // Base64 split over several tokens (a sentence, or two strings joined): each token on its own too.
  for (const match of text.matchAll(/[A-Za-z0-9+/_-]{8,}={0,2}/g)) {
    out.push(Buffer.from(match[0].replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("latin1"));
  }
  return out;
}

// Runs of hex digits (an even count, 16 or more) decoded as the text they spell.
const hexTexts = (text: string) => [...text.matchAll(/(?:[0-9a-fA-F]{2}){8,}/g)].map((match) => Buffer.from(match[0], "hex").toString("latin1"));

function jsonLines(text: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") out.push(value, jsonEscapes(value));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) for (const [key, item] of Object.entries(value)) {
      out.push(key);
      walk(item);
    }
  };
  for (const line of text.split(/\r?\n/)) {
    try {
      walk(JSON.parse(line));
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/** The lenient readings of `text` (its own text included), one level deep. */
export function lenientViews(text: string): string[] {
  if (text.length > 2_000_000) return [text];
  const decoded = [text, percentLatin1(text), xmlText(text), quotedPrintable(text), jsonEscapes(text)];
  return [...decoded, ...decoded.flatMap(base64Texts), ...decoded.flatMap(hexTexts), ...jsonLines(text)];
}

/** A header value as bytes read as UTF-8 (Node hands them over as Latin-1). */
export function headerAsUtf8(value: string): string {
  return Buffer.from(value, "latin1").toString("utf8");
}
