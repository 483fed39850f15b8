import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRoute } from "./route.js";

describe("parseRoute", () => {
  it("splits connection, rest and query", () => {
    expect(parseRoute("/openai/v1/chat/completions?x=1")).toEqual({ connection: "openai", rest: "/v1/chat/completions", search: "?x=1" });
    expect(parseRoute("/openai")).toEqual({ connection: "openai", rest: "", search: "" });
  });

  it("resolves dot segments before splitting, so rest cannot escape the upstream base", () => {
    expect(parseRoute("/openai/v1/../../other/x")).toEqual({ connection: "other", rest: "/x", search: "" });
    expect(parseRoute("/openai/%2e%2e/x")).toEqual({ connection: "x", rest: "", search: "" });
  });

  it("has no route for the root", () => {
    expect(parseRoute("/")).toBeUndefined();
  });
});

describe("parseRoute's fast path", () => {
  // What WHATWG URL makes of a target, the reference the fast path must agree with.
  function byUrl(target: string) {
    try {
      const url = new URL(target, "http://agent.invalid");
      const match = /^\/([^/]+)(\/.*)?$/.exec(url.pathname);
      return match ? { connection: decodeURIComponent(match[1]!), rest: match[2] ?? "", search: url.search } : undefined;
    } catch {
      return undefined; // not a URL, or a connection name that does not decode
    }
  }

  it("splits every target exactly as WHATWG URL does", () => {
    const targets = [
      "/openai/v1/chat/completions", "/openai/v1/chat/completions?x=1&y=2", "/openai/v1/models?", "/openai/", "/openai//v1",
      "/openai/v1/./x", "/openai/v1/../x", "/openai/.", "/openai/..", "/./openai/x", "/../openai/x", "/.openai/x", "/..x/y",
      "/openai/v1/.hidden", "/openai/v1/..x", "/openai/v1/x.?q=.", "/open~ai/v1/a:b@c;d=e,f+g*h'i(j)k!l$m&n",
      "/openai/v1?a=/b/../c", "/openai/v1?a='b'", "/openai/v1?a=b#frag", "/openai/v 1", "/openai/%2e%2e/x", "/openai/v1?q=%20",
      "/openai/é", "/openai\\v1", "/openai/v1?q=\"x\"", "/openai/v1/{x}", "/openai/v1/`x`", "/openai/v1?a|b", "/openai/v1/a|b",
    ];
    for (const target of targets) expect(parseRoute(target), target).toEqual(byUrl(target));
  });

  it("agrees with WHATWG URL on arbitrary targets of path-ish characters", () => {
    const unit = fc.constantFrom(..."/./.././%2e%2E%2f%5c%00%zz%e9\\;?#&=:@!$'()*+,~_-aZ09 \t\"<>`{}|^[]é€\u0000\u007f\ud83d\ude00\uff0e\uff0f".split(""), "%2e", "%2E", "..", "/..", "%", "\\..", "\ud800");
    const target = fc.string({ unit, maxLength: 24 }).map((rest) => `/${rest}`);
    fc.assert(
      fc.property(target, (value) => {
        expect(parseRoute(value)).toEqual(byUrl(value));
      }),
      { numRuns: 20_000 },
    );
  });
});
