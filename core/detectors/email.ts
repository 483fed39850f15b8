// E-mail addresses: a dot-atom local part (RFC 5322 without quoted strings or comments), "@", and a
// domain of DNS labels ending in an alphabetic top-level label. Validated after the pattern: no
// ".." in the local part, at most 254 characters, and not an image or asset file name written with
// a density suffix (`icon@2x.png`), whose last "label" is a file extension rather than a TLD.
import { regexDetector, type Detector } from "./detector.js";

const local = "[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?";
const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const pattern = new RegExp(`(?<![A-Za-z0-9._%+-])${local}@(?:${label}\\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, "g");

// File extensions that are not top-level domains; ".py", ".sh", ".rs", ".md" are real TLDs and stay.
const assetExtensions = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic", "pdf", "js", "mjs", "cjs", "ts", "tsx", "jsx", "css", "scss", "json", "yaml", "yml", "html", "htm", "txt", "wasm", "map", "lock"]);

function valid(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.indexOf("@");
  if (value.slice(0, at).includes("..")) return false;
  const tld = value.slice(value.lastIndexOf(".") + 1).toLowerCase();
  return !assetExtensions.has(tld);
}

/** The e-mail detector. */
export function emailDetector(): Detector {
  return regexDetector({ name: "email", pattern, maxLength: 254, alphabet: "A-Za-z0-9._%+@-", validate: valid, requires: "@" });
}
