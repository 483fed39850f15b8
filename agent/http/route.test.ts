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
