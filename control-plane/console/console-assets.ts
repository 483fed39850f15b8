// Serves the built web console (console/dist, made by `npm run build`) under /console/ on the
// control plane's port. Files are read once at start into memory (a few hundred KB), so a request
// can only ever get one of them: no path reaches the file system. Hashed assets are cached for a
// year as immutable; the page itself is revalidated on every load (no-cache + ETag), so a new
// build is picked up at once. Every answer carries the console's Content-Security-Policy.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

// This file runs from the sources (control-plane/console/) or from the compiled build, one level
// deeper (dist/control-plane/console/); the console is built under the repository root either way.
const root = new URL(/\/dist\/control-plane\/console\/[^/]+$/.test(import.meta.url) ? "../../../" : "../../", import.meta.url);

/** Where `npm run build` writes the console. */
export const CONSOLE_DIST = fileURLToPath(new URL("console/dist/", root));

/** Nothing but this origin's own files; no inline script or style, no framing, no plugins. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

interface Asset {
  body: Buffer;
  gzipped?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/** The part of a request the console reads. */
export interface AssetRequest {
  method?: string;
  url?: string;
  headers?: IncomingHttpHeaders;
}

/** The part of an HTTP/1.1 or HTTP/2 response the console writes. */
export interface AssetReply {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string | Buffer): unknown;
}

/** Serves the request when it is under /console; false (nothing written) otherwise. */
export type ConsoleAssets = (req: AssetRequest, res: AssetReply) => boolean;

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const key = relative(dir, path).split(sep).join("/");
      const body = readFileSync(path);
      const type = TYPES[/\.[^.]+$/.exec(name)?.[0] ?? ""] ?? "application/octet-stream";
      const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
      assets.set(key, {
        body,
        gzipped: compressible ? gzipSync(body) : undefined,
        type,
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        // Vite puts content-hashed names under assets/; anything else may change under its name.
        cacheControl: key.startsWith("assets/") ? IMMUTABLE : REVALIDATE,
      });
    }
  };
  walk(dir);
  return assets;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Palisade console not built</title>
<p>The web console has not been built in this installation. Run <code>npm run build</code> (or <code>npm ci</code>, which runs it) and restart the control plane.</p>\n`;

/** The console handler over the build in `dir` (read now; an absent build answers 503 explaining it). */
export function createConsoleAssets(dir = CONSOLE_DIST): ConsoleAssets {
  const assets = existsSync(join(dir, "index.html")) ? loadAssets(dir) : undefined;
  const page = assets?.get("index.html");

  const send = (req: AssetRequest, res: AssetReply, status: number, headers: Record<string, string>, body: Buffer | string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
    res.end(req.method === "HEAD" ? "" : body);
  };

  const sendAsset = (req: AssetRequest, res: AssetReply, asset: Asset) => {
    const common = { "cache-control": asset.cacheControl, etag: asset.etag, vary: "accept-encoding" };
    if (req.headers?.["if-none-match"] === asset.etag) return send(req, res, 304, common, "");
    const gzip = asset.gzipped && /\bgzip\b/.test(String(req.headers?.["accept-encoding"] ?? ""));
    const body = gzip ? asset.gzipped! : asset.body;
    send(req, res, 200, {
      ...common,
      "content-type": asset.type,
      "content-length": String(body.length),
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    }, body);
  };

  return (req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    if (path !== "/console" && !path.startsWith("/console/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(req, res, 405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }, "method not allowed\n");
      return true;
    }
    if (path === "/console") {
      send(req, res, 308, { location: "/console/", "content-type": "text/plain; charset=utf-8" }, "");
      return true;
    }
    if (!assets || !page) {
      send(req, res, 503, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }, NOT_BUILT);
      return true;
    }
    const file = assets.get(path.slice("/console/".length));
    if (file) sendAsset(req, res, file);
    // A missing hashed file is an old page asking for a build that is gone: 404, not the page.
    else if (path.startsWith("/console/assets/")) send(req, res, 404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }, "not found\n");
    // Every other path is a page of the console's own router (/console/reviews/ID): the app.
    else sendAsset(req, res, page);
    return true;
  };
}
