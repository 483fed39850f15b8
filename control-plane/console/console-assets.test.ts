// The console's files: cache headers by kind, the CSP on every answer, the page for the app's own
// paths, 404 for a missing hashed asset, gzip, ETag revalidation, and 503 when nothing was built.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CONSOLE_CSP, createConsoleAssets } from "./console-assets.js";

interface Answer { status: number; headers: Record<string, string>; body: Buffer }

function ask(serve: ReturnType<typeof createConsoleAssets>, url: string, method = "GET", headers: Record<string, string> = {}): Answer | undefined {
  let answer: Answer | undefined;
  const served = serve({ method, url, headers }, {
    writeHead(status, written) { answer = { status, headers: written, body: Buffer.alloc(0) }; },
    end(body) { answer!.body = Buffer.from(body); },
  });
  return served ? answer : undefined;
}

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), "console-dist-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(dir, "assets", "index-abc123.js"), `console.log(${JSON.stringify("x".repeat(4000))});`);
  writeFileSync(join(dir, "favicon.svg"), "<svg/>");
  return dir;
}

describe("console assets", () => {
  const serve = createConsoleAssets(build());

  it("serves hashed assets as immutable and the page as no-cache, with the CSP and nosniff", () => {
    const asset = ask(serve, "/console/assets/index-abc123.js")!;
    expect(asset.status).toBe(200);
    expect(asset.headers).toMatchObject({
      "cache-control": "public, max-age=31536000, immutable",
      "content-type": "text/javascript; charset=utf-8",
      "content-security-policy": CONSOLE_CSP,
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
    });
    const page = ask(serve, "/console/")!;
    expect(page.headers).toMatchObject({ "cache-control": "no-cache", "content-type": "text/html; charset=utf-8", "content-security-policy": CONSOLE_CSP });
    expect(page.body.toString()).toContain("<title>console</title>");
    expect(ask(serve, "/console/favicon.svg")!.headers["cache-control"]).toBe("no-cache");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*|https?:/);
  });

  it("answers the app's own paths with the page, a missing hashed asset with 404, and leaves other paths alone", () => {
    for (const path of ["/console/reviews/0b2c", "/console/sessions?subject=a", "/console/sign-in"]) {
      expect(ask(serve, path)!.body.toString()).toContain("<title>console</title>");
    }
    expect(ask(serve, "/console/assets/index-gone.js")!.status).toBe(404);
    expect(ask(serve, "/console/../control-plane/control-plane.ts")!.body.toString()).toContain("<title>console</title>");
    expect(ask(serve, "/console")).toMatchObject({ status: 308, headers: { location: "/console/" } });
    expect(ask(serve, "/healthz")).toBeUndefined();
    expect(ask(serve, "/consoles")).toBeUndefined();
    expect(ask(serve, "/console/", "POST")!.status).toBe(405);
  });

  it("gzips for clients that accept it, revalidates by ETag, and answers HEAD without a body", () => {
    const zipped = ask(serve, "/console/assets/index-abc123.js", "GET", { "accept-encoding": "gzip, br" })!;
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(zipped.body).toString()).toContain("xxxx");
    const etag = zipped.headers.etag!;
    expect(ask(serve, "/console/assets/index-abc123.js", "GET", { "if-none-match": etag })!.status).toBe(304);
    const head = ask(serve, "/console/", "HEAD")!;
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it("explains with 503 when the console was not built", () => {
    const unbuilt = createConsoleAssets(mkdtempSync(join(tmpdir(), "console-none-")));
    const answer = ask(unbuilt, "/console/reviews")!;
    expect(answer.status).toBe(503);
    expect(answer.body.toString()).toContain("npm run build");
    expect(answer.headers["content-security-policy"]).toBe(CONSOLE_CSP);
  });
});
