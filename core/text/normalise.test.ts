// The two views: what they fold, that offsets map back to the original span, and that the ASCII
// fast path of foldWords agrees with the general one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectorText, detectorView, renderedView } from "./normalise.js";
import { foldWords, wordView } from "./word-view.js";

const original = (text: string, view: ReturnType<typeof detectorView>, needle: string) => {
  const at = view.text.indexOf(needle);
  if (at < 0) return undefined;
  const [start, end] = view.toOriginal(at, at + needle.length);
  return text.slice(start, end);
};

describe("detectorView", () => {
  it("is the text itself for plain ASCII", () => {
    const view = detectorView("mail jane.doe@example.com now");
    expect(view.identity).toBe(true);
  });

  it.each([
    ["full-width", "mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "jane@example.com", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"],
    ["zero-width split", "mail ja\u200bne@exa\u200dmple.com now", "jane@example.com", "ja\u200bne@exa\u200dmple.com"],
    ["soft hyphen and bidi", "ja\u00adne@ex\u202eample.com", "jane@example.com", "ja\u00adne@ex\u202eample.com"],
    ["percent-encoded", "mailto:jane.doe%40example.com?x", "jane.doe@example.com", "jane.doe%40example.com"],
    ["percent-encoded full-width @", "jane%EF%BC%A0example.com", "jane@example.com", "jane%EF%BC%A0example.com"],
    ["other-script digits", "card ٤١١١ ١١١١", "4111 1111", "٤١١١ ١١١١"],
    ["NBSP", "4111\u00a01111", "4111 1111", "4111\u00a01111"],
    ["combining marks", "ja\u0308ne", "jane", "ja\u0308ne"],
    ["a variation selector and a tag character", "j\ufe0fa\u{e006e}e", "jane", "j\ufe0fa\u{e006e}e"],
    ["astral math digits", "𝟒𝟏𝟏𝟏", "4111", "𝟒𝟏𝟏𝟏"],
    ["a JSON escape pasted as text", "jane.doe\\u0040example.com", "jane.doe@example.com", "jane.doe\\u0040example.com"],
    ["Cyrillic and Greek look-alike letters", "jаne.dοe@exаmple.com", "jane.doe@example.com", "jаne.dοe@exаmple.com"],
    ["a hex escape", "jane.doe\\x40example.com", "jane.doe@example.com", "jane.doe\\x40example.com"],
    ["an HTML character reference", "jane.doe&#64;example&#x2E;com", "jane.doe@example.com", "jane.doe&#64;example&#x2E;com"],
    ["an octal escape (C, Python)", "jane.doe\\100example\\056com", "jane.doe@example.com", "jane.doe\\100example\\056com"],
    ["a run of octal escapes of letters", "\\152\\141\\156\\145.doe@example.com", "jane.doe@example.com", "\\152\\141\\156\\145.doe@example.com"],
    ["a Python \\U escape", "jane.doe\\U00000040example.com", "jane.doe@example.com", "jane.doe\\U00000040example.com"],
    ["Python named escapes, any case", "jane.doe\\N{COMMERCIAL AT}example\\N{full stop}com", "jane.doe@example.com", "jane.doe\\N{COMMERCIAL AT}example\\N{full stop}com"],
    ["a Python named escape of a full-width sign", "jane.doe\\N{FULLWIDTH COMMERCIAL AT}example.com", "jane.doe@example.com", "jane.doe\\N{FULLWIDTH COMMERCIAL AT}example.com"],
    ["Python named escapes of letters", "\\N{LATIN SMALL LETTER J}ane.doe@example.com", "jane.doe@example.com", "\\N{LATIN SMALL LETTER J}ane.doe@example.com"],
    ["CSS escapes of signs", "jane.doe\\40 example\\2E com", "jane.doe@example.com", "jane.doe\\40 example\\2E com"],
    ["a CSS escape of six digits", "jane.doe\\000040example.com", "jane.doe@example.com", "jane.doe\\000040example.com"],
    ["a run of CSS escapes of letters", "\\6a\\61 \\6E\\65.doe@example.com", "jane.doe@example.com", "\\6a\\61 \\6E\\65.doe@example.com"],
  ])("folds %s and maps back to the original span", (_name, text, needle, span) => {
    const view = detectorView(text);
    expect(view.text).toContain(needle);
    expect(original(text, view, needle)).toBe(span);
  });

  it.each([
    ["HTML tags a browser hides", "mail jane.doe<b></b>@exa<span class='x'>mple</span>.com", "jane.doe@example.com", "jane.doe<b></b>@exa<span class='x'>mple</span>.com"],
    ["an HTML comment", "jane.doe<!-- a -->@example.com", "jane.doe@example.com", "jane.doe<!-- a -->@example.com"],
    ["markdown emphasis and code", "jane.doe**@**exa`mple`.com", "jane.doe@example.com", "jane.doe**@**exa`mple`.com"],
    ["a CDATA section's delimiters (an XML reader shows its content)", "mail jane.doe<![CDATA[@]]>example.com", "jane.doe@example.com", "jane.doe<![CDATA[@]]>example.com"],
  ])("the rendered view hides %s and maps back to the original span", (_name, text, needle, span) => {
    const view = renderedView(text);
    expect(view?.text).toContain(needle);
    expect(original(text, view as ReturnType<typeof detectorView>, needle)).toBe(span);
    expect(detectorView(text).text).not.toContain(needle); // the detector view keeps markup (attributes hold values of their own)
  });

  it("the rendered view keeps a placeholder, a comparison and a stray <, and is absent without markup", () => {
    expect(renderedView("<EMAIL_1> if a < b and c > d, 1<2 *")?.text).toBe("<EMAIL_1> if a < b and c > d, 1<2 ");
    expect(renderedView("plain text, 1 < 2")).toBeUndefined();
  });

  it("leaves a percent sign, an ampersand or a backslash that opens no escape alone", () => {
    expect(detectorView("100% sure é").text).toBe("100% sure e");
    expect(detectorView("AT&T \\n C:\\dir &#xZZ; \\u12 é").text).toBe("AT&T \\n C:\\dir &#xZZ; \\u12 e");
  });
});

// Unicode tag characters spelling `ascii` (U+E0000 + each code), as "ASCII smugglers" write them.
const tags = (ascii: string) => [...ascii].map((char) => String.fromCodePoint(0xe0000 + char.charCodeAt(0))).join("");
// Bytes smuggled as variation selectors after an emoji (VS1–VS16 are 0–15, VS17–VS256 16–255).
const selectors = (text: string) => `😀${[...Buffer.from(text)].map((byte) => String.fromCodePoint(byte < 16 ? 0xfe00 + byte : 0xe0100 + byte - 16)).join("")}`;
const EMAIL = "zoe.quill@example.org";

describe("the detector view reads through noise and reads smuggled text", () => {
  // Characters a reader reads through: C0 controls but whitespace, DEL, C1, format, private use,
  // unassigned, noncharacters, interlinear annotation, object replacement and replacement characters.
  const noise = ["\u0000", "\u0001", "\u0007", "\u001b", "\u001f", "\u007f", "\u0080", "\u009b", "\u200b", "\u2060", "\u061c", "\ue000", "\u{f0000}", "\u0378", "\ufdd0", "\uffff", "\ufff9", "\ufffc", "\ufffd", "\u{e0001}", "\u{e007f}", "\ufe0f"];

  it.each(noise.map((char) => [JSON.stringify(char), char]))("reads through %s inside a value, and masks the span with it", (_name, char) => {
    const text = `mail zoe.quill@exam${char}ple.org now`;
    const view = detectorView(text);
    expect(view.text).toBe(`mail ${EMAIL} now`);
    expect(original(text, view, EMAIL)).toBe(`zoe.quill@exam${char}ple.org`);
  });

  it("inserting noise anywhere never changes the view", () => {
    const base = fc.array(fc.constantFrom("a", "Z", "4", "1", " ", "@", ".", "-", "é", "ｊ", "%40", "&#64;", "\n"), { maxLength: 24 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(base, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...noise)), { maxLength: 6 }), (text, inserts) => {
        // Insert only where no escape is cut in two (between whole pieces is not known here: between any two ASCII letters or at the ends).
        let noisy = text;
        for (const [at, char] of inserts) {
          const cut = at % (noisy.length + 1);
          if (/[%&#\\0-9A-Fa-f;]/.test(noisy.charAt(cut - 1) + noisy.charAt(cut))) continue;
          noisy = noisy.slice(0, cut) + char + noisy.slice(cut);
        }
        expect(detectorView(noisy).text).toBe(detectorView(text).text);
        expect(foldWords(noisy)).toBe(foldWords(text));
      }),
      { numRuns: 1500 },
    );
  });

  it("keeps whitespace controls as whitespace", () => {
    expect(detectorView("a\tb\vc\fd\re\u0085f").text).toBe("a\tb\vc\fd\re\u0085f");
    expect(foldWords("night\fingale\u0085bird")).toBe("nlght lngale blrd");
  });

  it("reads tag characters as the ASCII they encode, in both views", () => {
    const text = `mail ${tags(EMAIL)} now`;
    const view = detectorView(text);
    expect(view.text).toBe(`mail ${EMAIL} now`);
    expect(original(text, view, EMAIL)).toBe(tags(EMAIL));
    expect(foldWords(`about ${tags("Nightingale")}`)).toBe("about nlghtlngale");
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) }), (ascii) => {
      expect(detectorView(tags(ascii)).text).toBe(ascii); // verbatim: what tags spell is not decoded again
    }));
  });

  it("reads a run of variation selectors as the bytes it smuggles, and drops a single one", () => {
    const text = `see ${selectors(EMAIL)} ok`;
    const view = detectorView(text);
    expect(view.text).toBe(`see 😀${EMAIL} ok`);
    expect(original(text, view, EMAIL)).toBe(selectors(EMAIL).slice(2));
    expect(foldWords(selectors("project nightingale"))).toBe("😀project nlghtlngale".replace("😀", "").trim());
    expect(detectorView("👍\ufe0f 1\ufe0f\u20e3").text).toBe("👍 1");
    // Bytes that are not UTF-8 are read one character per byte.
    expect(detectorView(`x${selectors("\xe9t\xe9")}`.replace("😀", "")).text).toBe("xete");
  });

  it.each([
    ["named character references", "zoe.quill&commat;example&period;org", EMAIL],
    ["a named reference to a full-width at sign", "zoe.quill&#xFF20;example.org", EMAIL],
    ["negative squared letters", "🅽🅸🅶🅷🆃🅸🅽🅶🅰🅻🅴", "NIGHTINGALE"],
    ["negative circled letters", "🅝🅘🅖🅗🅣", "NIGHT"],
    ["regional indicators", "🇳🇮🇬🇭🇹", "NIGHT"],
    ["small capitals", "ɴɪɢʜᴛɪɴɢᴀʟᴇ", "nightingale"],
    ["dingbat digits", "❹❶❶❶ ➀➀➀➀ ➊➊➊➊ ⓵⓵⓵⓵", "4111 1111 1111 1111"],
    ["parenthesized digits", "⑷⑴⑴⑴ ⑴⑴⑴⑴ ⑴⑴⑴⑴ ⑴⑴⑴⑴", "4111 1111 1111 1111"],
    ["parenthesized letters", "⒥⒜⒩⒠.⒟⒪⒠@example.com", "jane.doe@example.com"],
    ["ideographic and half-width full stops", "zoe.quill@example。org zoe.quill@example｡org", "zoe.quill@example.org zoe.quill@example.org"],
    ["a Latin-1 percent escape (soft hyphen) that is not UTF-8", "night%ADingale", "nightingale"],
  ])("reads %s as what they look like", (_name, text, needle) => {
    expect(detectorView(text).text).toContain(needle);
  });

  it("leaves an ampersand that is no character reference alone", () => {
    expect(detectorView("AT&T; R&D &zqanentity; &b Q&A").text).toBe("AT&T; R&D &zqanentity; &b Q&A");
  });

  it("reads a lone CSS escape of a letter or digit, and names it does not know, as written (LaTeX, paths)", () => {
    expect(detectorView("\\def \\beta C:\\data\\123-45-6789 \\d{3} \\N{GREEK SMALL LETTER ALPHA} \\N{NOPE}").text).toBe("\\def \\beta C:\\data\\123-45-6789 \\d{3} \\N{GREEK SMALL LETTER ALPHA} \\N{NOPE}");
  });

  it("reads a lone octal escape of a letter or digit as written (a path keeps its digits)", () => {
    expect(detectorView("C:\\123-45-6789 and \\310 5550133 \\000").text).toBe("C:\\123-45-6789 and \\310 5550133 \\000");
  });

  it("reads the references HTML decodes without their semicolon, as HTML does", () => {
    // Numeric ones always; the legacy named ones (`&shy`, `&nbsp`, `&sup1`, `&amp`), the longest
    // that HTML knows without it (`&notit;` is `&not` + "it;", as the HTML standard's example says).
    expect(detectorView("jane.doe&#64example.com").text).toBe("jane.doe@example.com");
    expect(detectorView("jane.doe&#x40 x").text).toBe("jane.doe@ x");
    expect(detectorView("jane.doe@exa&shymple.com").text).toBe("jane.doe@example.com");
    expect(detectorView("4&sup1&sup1&sup1").text).toBe("4111");
    expect(detectorView("I'm &notit; &amp so").text).toBe("I'm \u00acit; & so");
    expect(detectorView("&notin &notin;").text).toBe("\u00acin \u2208"); // ∉ folds to ∈ (NFKD, its mark dropped)
  });
});

describe("wordView and foldWords", () => {
  it.each([
    ["Project Nightingale", "project nlghtlngale"],
    ["PROJECT-NIGHTINGALE", "project nlghtlngale"],
    ["project_nightingale!!", "project nlghtlngale"],
    ["prоject nіghtingale", "project nlghtlngale"], // Cyrillic о and і
    ["pr0ject n1ghtingale", "project nlghtlngale"],
    ["proj\u00adect night\u200bingale", "project nlghtlngale"],
    ["ｐｒｏｊｅｃｔ　ｎｉｇｈｔｉｎｇａｌｅ", "project nlghtlngale"],
  ])("folds %j", (text, folded) => {
    expect(foldWords(text)).toBe(folded.replace(/m/g, "rn"));
  });

  it("maps a word view span back to the original", () => {
    const text = "see PRОJECT—Nightingale, today";
    const view = wordView(text);
    const at = view.text.indexOf("project");
    const [start, end] = view.toOriginal(at, view.text.indexOf("nlghtlngale") + "nlghtlngale".length);
    expect(text.slice(start, end)).toBe("PRОJECT—Nightingale");
  });

  it("the offset-free fold equals the word view's text, for any text", () => {
    const pieces = fc.constantFrom("&#64;", "\\u0040", "\\x4", "&", "\\", "a", "é", "İ", "ß", "Σ", "😀", "１", "٤", "\u200b", "\u00ad", "%40", "%E2%82%AC", "%", " ", "-", "n i g h t", "Прo", "ｍ", "ﬁ", "\u0301");
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 3 })), { maxLength: 16 }).map((parts) => parts.join("")), (text) => {
        expect(foldWords(text)).toBe(wordView(text).text.trim());
        expect(detectorText(text)).toBe(detectorView(text).text);
      }),
      { numRuns: 3000 },
    );
  });

  it("text mostly ASCII with a few other characters (ASCII runs through the table) folds as the word view reads it", () => {
    const pieces = fc.constantFrom("Please review the report, ", "m", "i1 0", "%41", "&amp;", "é", "😀", "\ud800", "\udc00x", "Çë-j)åzË>", "ｍ", "n i g h t", "\u200b", " - ", "word".repeat(600));
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")), (text) => {
        const words = wordView(text).text.trim();
        expect(foldWords(text)).toBe(words);
        expect(foldWords(text, false).replaceAll(" ", "")).toBe(words.replaceAll(" ", ""));
      }),
      { numRuns: 500 },
    );
  });

  it("without joining spelled-out words, the ASCII fast path equals the general path too", () => {
    const ascii = fc.array(fc.constantFrom("a", "b", "1", "0", "i", "m", " ", ".", "-", "word", "XY", "  ", "n i g h t"), { maxLength: 20 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(ascii, (text) => {
        expect(foldWords(`${text}\u200b`, false)).toBe(foldWords(text, false)); // a zero-width space takes the general path
        expect(foldWords(text, false).replaceAll(" ", "")).toBe(foldWords(text).replaceAll(" ", ""));
      }),
      { numRuns: 1000 },
    );
  });

  it("ASCII fast path equals the general path", () => {
    const ascii = fc.oneof(fc.string({ unit: "binary-ascii", maxLength: 40 }), fc.array(fc.constantFrom("a", "b", "1", "0", "i", "m", " ", ".", "-", "word", "XY", "  "), { maxLength: 20 }).map((parts) => parts.join("")));
    fc.assert(
      fc.property(ascii, (text) => {
        expect(foldWords(text)).toBe(wordView(text).text.trim());
      }),
      { numRuns: 2000 },
    );
    // Longer than the fold's first buffer, and with a spelled-out run at the very end.
    for (const text of ["Mind the 10 items, Ian. ".repeat(400), `${"plain words ".repeat(500)}a b c`]) expect(foldWords(text)).toBe(wordView(text).text.trim());
  });
});

describe("long texts", () => {
  it("fold 300 KB of spelled-out and non-ASCII text without running out of stack", () => {
    const text = "wörd a b c d ".repeat(30_000);
    expect(foldWords(text).startsWith("word abcd word abcd")).toBe(true);
    expect(wordView(text).toOriginal(0, 1)).toEqual([0, 1]);
  });

  // Every step is linear and neither recursive nor spread over arguments: a prompt of a megabyte in
  // any shape is read whole (the red team's ~120k-character prompt with "e.g. a" overflowed the stack).
  const fill = (piece: string, size: number) => piece.repeat(Math.ceil(size / piece.length)).slice(0, size);
  const MB = 1 << 20;
  it.each([
    ["prose with one-letter words", fill("The quarterly report covers revenue, e.g. a hammer, A, B, C and 1 2 3. ", MB)],
    ["one-character tokens", fill("a b c ", MB / 4)],
    ["non-ASCII one-character tokens", fill("é b c ", MB / 4)],
    ["NUL between characters", fill("a\u0000", MB / 4)],
    ["tag characters", fill(tags("night "), MB / 4)],
    ["a run of variation selectors", fill("\u{E0101}", MB / 4)],
    ["character references", fill("&amp;%41\\u0041", MB / 8)],
  ])("read %s (up to 1 MB) whole, a value at the end still found", (_name, text) => {
    const long = `${text} mail ${EMAIL} about project nightingale`;
    const view = detectorView(long);
    expect(original(long, view, EMAIL)).toBe(EMAIL);
    expect(foldWords(long).endsWith("project nlghtlngale")).toBe(true);
    expect(wordView(long).text.endsWith("project nlghtlngale")).toBe(true);
  });
});
