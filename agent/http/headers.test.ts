import { describe, expect, it } from "vitest";
import { downstreamResponseHeaders, forwardedHeaderNames, upstreamRequestHeaders } from "./headers.js";

const credential = { header: "authorization", value: "Bearer sk-upstream" };

describe("upstreamRequestHeaders", () => {
  it("replaces the caller's credential with the connection's and sets host", () => {
    const out = upstreamRequestHeaders(
      { authorization: "Bearer caller-jwt", "x-api-key": "caller-jwt", host: "agent:8080", "content-type": "application/json" },
      new URL("https://api.example.com/base"),
      credential,
    );
    expect(out).toEqual({ authorization: "Bearer sk-upstream", host: "api.example.com", "content-type": "application/json" });
  });

  it("drops hop-by-hop headers, those named in Connection, accept-encoding and content-length", () => {
    const out = upstreamRequestHeaders(
      {
        connection: "keep-alive, X-Private",
        "keep-alive": "timeout=5",
        "x-private": "1",
        te: "trailers",
        trailer: "x",
        "transfer-encoding": "chunked",
        upgrade: "h2c",
        "proxy-authorization": "Basic x",
        "accept-encoding": "gzip",
        "content-length": "12",
        "x-keep": "yes",
      },
      new URL("http://127.0.0.1:9999"),
      { header: "x-api-key", value: "sk-ant" },
    );
    expect(out).toEqual({ "x-keep": "yes", host: "127.0.0.1:9999", "x-api-key": "sk-ant" });
  });

  it("never lets a caller re-scope the connection's key to another organization or project", () => {
    const caller = { "openai-organization": "org-other", "openai-project": "proj_other", "x-goog-user-project": "other", "openai-beta": "assistants=v2" };
    const out = upstreamRequestHeaders(caller, new URL("https://api.openai.com"), credential);
    expect(out).toEqual({ "openai-beta": "assistants=v2", host: "api.openai.com", authorization: "Bearer sk-upstream" });
    expect(forwardedHeaderNames(caller, "authorization")).toEqual(["openai-beta"]);
  });

  it("never lets a caller-supplied copy of the credential header through", () => {
    const out = upstreamRequestHeaders({ "x-upstream-key": "forged" }, new URL("http://h"), { header: "X-Upstream-Key", value: "real" });
    expect(out["x-upstream-key"]).toBe("real");
  });
});

describe("downstreamResponseHeaders", () => {
  it("keeps end-to-end headers and drops hop-by-hop ones", () => {
    const out = downstreamResponseHeaders({
      "content-type": "text/event-stream",
      "transfer-encoding": "chunked",
      connection: "close, x-hop",
      "x-hop": "1",
      "x-request-id": "req_1",
      "x-palisade-session": "forged",
    });
    expect(out).toEqual({ "content-type": "text/event-stream", "x-request-id": "req_1" });
  });
});
