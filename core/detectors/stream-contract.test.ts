// The hold-back contract as the later stream masker will use it: text arrives in chunks (down to
// one character), the masker finds on (last LOOKBEHIND emitted characters + held tail + new text),
// emits up to holdFrom, and must end up with exactly the findings of the whole text.
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS, compileDetectors, LOOKBEHIND, type CompiledDetectors, type Finding } from "./compile-detectors.js";

function streamed(detectors: CompiledDetectors, text: string, chunk: number): Finding[] {
  const found: Finding[] = [];
  let emitted = 0;
  for (let received = Math.min(chunk, text.length); ; received = Math.min(text.length, received + chunk)) {
    const from = Math.max(0, emitted - LOOKBEHIND);
    const view = text.slice(from, received);
    const done = received === text.length;
    const release = Math.max(done ? view.length : detectors.holdFrom(view), emitted - from);
    for (const finding of detectors.find(view)) {
      if (finding.start >= emitted - from && finding.end <= release) found.push({ ...finding, start: finding.start + from, end: finding.end + from });
    }
    emitted = from + release;
    if (done) return found;
  }
}

const reply = [
  "Sure! Jane's details: jane.doe@example.com, +44 20 7946 0958 or (415) 555-2671 ext. 12.",
  "Card 4111-1111-1111-1111 (not 4111 1111 1111 1112), IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789.",
  "Servers 10.0.0.7 and fe80::1ff:fe23:4567:890a; key sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789.",
  "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oOTk\n-----END EC PRIVATE KEY-----",
  "About Project Falcon: ticket-4242, order 1234567890, v1.2.3, 2024-01-15, 256.1.1.1. Bye jane@x.io",
].join("\n");

describe("stream hold-back contract", () => {
  const detectors = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: ["\\bticket-\\d{4}\\b"], words: ["Project Falcon"], phoneRegion: "US" });
  const whole = detectors.find(reply);

  it("finds in a stream exactly what it finds in the whole text, whatever the chunk size", () => {
    expect(whole.length).toBeGreaterThan(12);
    for (const chunk of [1, 2, 3, 7, 64]) expect(streamed(detectors, reply, chunk), `chunks of ${chunk}`).toEqual(whole);
  });

  it("holds a finding that loses the merge for a while ('1234 (415) 555-2' is a phone until more digits come)", () => {
    const text = "ticket-1234 (415) 555-2671 done";
    expect(detectors.find(text).map((finding) => finding.value)).toEqual(["ticket-1234", "(415) 555-2671"]);
    expect(streamed(detectors, text, 1)).toEqual(detectors.find(text));
  });

  it("holds back little of plain prose", () => {
    const prose = "The model replied with a long explanation of the quarterly budget, and nothing personal at all!";
    expect(prose.length - detectors.holdFrom(prose)).toBeLessThanOrEqual(4); // "all!" may still become a ticket id
    // Only the word "at" and what follows it wait longer: "personal at all" may still go on as "… dot com", an address.
    expect(prose.length - 1 - detectors.holdFrom(prose.slice(0, -1))).toBe("personal at all".length);
    const after = `${prose.slice(0, -1)} ahead`; // no dot can follow "all ahead": only "ahead" waits (a ticket id may yet come)
    expect(after.length - detectors.holdFrom(after)).toBe("ahead".length);
  });

  it("holds a cut escape, a cut character reference and a run of variation selectors until they are whole", () => {
    const tags = (ascii: string) => [...ascii].map((char) => String.fromCodePoint(0xe0000 + char.charCodeAt(0))).join("");
    const selectors = (text: string) => [...Buffer.from(text)].map((byte) => String.fromCodePoint(byte < 16 ? 0xfe00 + byte : 0xe0100 + byte - 16)).join("");
    const smuggled = [
      "a jane.doe&commat;example.com b", "a jane.doe&#64;example&#x2E;com b", "a jane.doe%40example.com b", "a jane.doe\\u0040example.com b",
      `a ${tags("jane.doe@example.com")} b`, `a 😀${selectors("jane.doe@example.com")} b`, "a jane\u0000.doe@ex\u007fample.com b",
      "card ❹❶❶❶ ❶❶❶❶ ❶❶❶❶ ❶❶❶❶ ok", "about Project&nbsp;Fal&#99;on today",
    ].join("\n");
    const found = detectors.find(smuggled);
    expect(found.map((finding) => finding.detector)).toEqual(["email", "email", "email", "email", "email", "email", "email", "payment-card", "word"]);
    for (const chunk of [1, 2, 3, 5]) expect(streamed(detectors, smuggled, chunk), `chunks of ${chunk}`).toEqual(found);
    // What HTML and XML readers decode too: references without their semicolon, a CDATA section's delimiters.
    const lenient = ["a jane.doe&#64example.com b", "a jane.doe@exa&shymple.com b", "a jane.doe<![CDATA[@]]>example.com b", "a jane.doe\\100example.com b", "a \\152\\141\\156\\145.doe@example.com b", "a jane.doe\\U00000040example.com b", "a jane.doe\\N{COMMERCIAL AT}example.com b", "a jane.doe\\40 example\\2e com b", "a \\6a\\61\\6e\\65.doe@example.com b", "about Project Fal<![CDATA[co]]>n today"].join("\n");
    const lenientFound = detectors.find(lenient);
    expect(lenientFound.map((finding) => finding.detector)).toEqual(["email", "email", "email", "email", "email", "email", "email", "email", "email", "word"]);
    for (const chunk of [1, 2, 3, 5]) expect(streamed(detectors, lenient, chunk), `chunks of ${chunk}`).toEqual(lenientFound);
    // A smuggled run is held from its first selector while it grows, however long it is so far.
    for (let length = 1; length <= 12; length++) expect(detectors.holdFrom(`a 😀${selectors("jane.doe@exa".slice(0, length))}`)).toBeLessThanOrEqual(4);
  });
});
