import { describe, expect, it } from "vitest";
import { foldWords } from "../../core/text/word-view.js";
import { compileKeyword, occurs, type KeywordMode } from "../policy/keyword-match.js";
import { openai } from "../providers/openai.js";
import { canonicalBody } from "./canonical-body.js";
import { contentView } from "./content-view.js";
import { inspectRequest } from "./request-inspection.js";

const route = { connection: "c", rest: "/v1/chat/completions", search: "" };

async function view(texts: string[]) {
  const body = Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] }));
  const decoded = await canonicalBody(body, { "content-type": "application/json" }, route.rest, openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error("not decoded");
  return contentView(inspectRequest(decoded.body, route, {}, "authorization"));
}

// A small seeded generator: texts of words, digits, one-letter words and keyword pieces, some long.
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}
const pieces = ["night", "ingale", "project", "7", "up", "77", "a", "b", "c", "ab1", "1", "code", "-", " ", ". ", "x y z", "lorem", "ipsum"];

describe("contentView joined runs", () => {
  it("read within a keyword's reach find what the widest reading finds (with every text on its own)", async () => {
    const keywords: [string, KeywordMode][] = [["nightingale", "word"], ["7up", "auto"], ["ab1", "prefix"], ["code 7", "word"], ["xyz", "auto"], ["project nightingale", "auto"], ["upa", "substring"]];
    const compiled = keywords.map(([keyword, mode]) => compileKeyword(keyword, foldWords(keyword), mode)!);
    const reach = 2 * Math.max(...compiled.map((keyword) => keyword.needle.length)) + 1;
    const next = random(13);
    for (let round = 0; round < 300; round++) {
      // Filler, a keyword (spaced or not, maybe with a digit either side), filler, cut near the keyword.
      const filler = (words: number) => {
        let text = "";
        for (let index = 0; index < words; index++) text += pieces[Math.floor(next() * pieces.length)]! + (next() < 0.5 ? " " : "");
        return text;
      };
      const [keyword] = keywords[Math.floor(next() * keywords.length)]!;
      const spaced = next() < 0.3 ? [...keyword].join(" ") : keyword;
      const whole = `${filler(next() < 0.4 ? 100 : 4)}${next() < 0.2 ? "7" : " "}${spaced}${next() < 0.2 ? "1" : " "}${filler(next() < 0.4 ? 100 : 4)}`;
      const at = whole.indexOf(spaced);
      const cuts = [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => at - 3 + Math.floor(next() * (spaced.length + 6))))].filter((cut) => cut > 0 && cut < whole.length).sort((a, b) => a - b);
      const texts = [0, ...cuts].map((from, index) => whole.slice(from, [...cuts, whole.length][index]));
      const seen = await view(texts);
      const narrow = seen.joined!(reach);
      const alone = seen.skeletons;
      const found = (runs: typeof narrow) => compiled.map((keyword) => [...alone, ...runs].some((run) => occurs(run, keyword)));
      expect(found(narrow), JSON.stringify(texts)).toEqual(found((await view(texts)).joined!(256)));
    }
  });
});
