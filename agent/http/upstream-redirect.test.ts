import { describe, expect, it } from "vitest";
import { redirectRefusal } from "./upstream-redirect.js";

const connection = { name: "openai", upstream: { origin: "https://api.example.com" } };

describe("redirectRefusal", () => {
  it("refuses every 3xx that names a Location, recording where it pointed without its query", () => {
    for (const status of [300, 301, 302, 303, 307, 308]) {
      expect(redirectRefusal(connection, status, { location: "https://elsewhere.example/v1/chat?sig=secret" })).toEqual({
        refusal: { status: 502, kind: "bad_gateway", code: "upstream_redirect", message: `Upstream of connection openai answered with a redirect (${status}), which the agent does not follow or pass on` },
        error: `upstream redirected (${status}) to https://elsewhere.example/v1/chat`,
      });
    }
    // Relative to the upstream; a value that is no URL is quoted, cut.
    expect(redirectRefusal(connection, 302, { location: "/v2/moved?k=1" })?.error).toBe("upstream redirected (302) to https://api.example.com/v2/moved");
    expect(redirectRefusal(connection, 302, { location: "http://[bad" })?.error).toBe('upstream redirected (302) to "http://[bad"');
  });

  it("lets through what redirects nowhere: a 304, a 3xx without a Location, any other status", () => {
    expect(redirectRefusal(connection, 304, {})).toBeUndefined();
    expect(redirectRefusal(connection, 302, { location: "" })).toBeUndefined();
    expect(redirectRefusal(connection, 200, { location: "https://elsewhere.example/" })).toBeUndefined();
    expect(redirectRefusal(connection, 201, { location: "https://api.example.com/v1/files/1" })).toBeUndefined();
  });
});
