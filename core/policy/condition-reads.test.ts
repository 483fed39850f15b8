import { parse } from "@bufbuild/cel";
import { describe, expect, it } from "vitest";
import { conditionReads } from "./condition-reads.js";

const reads = (source: string) => conditionReads(parse(source).expr);

describe("what a condition reads", () => {
  it("names the members and the headers by constant name", () => {
    expect(reads('"team-1" in identity.groups && request.model.startsWith("gpt-4")')).toEqual(
      expect.arrayContaining([{ variable: "identity", field: "groups" }, { variable: "request", field: "model" }]),
    );
    expect(reads('("x-team" in request.headers && request.headers["x-team"] == "t") || identity.email.endsWith("@b.example")')).toEqual(
      expect.arrayContaining([{ header: "x-team" }, { variable: "identity", field: "email" }]),
    );
    expect(reads("has(request.headers.x_team) && connection.name == 'openai'")).toEqual(expect.arrayContaining([{ header: "x_team" }, { variable: "connection", field: "name" }]));
    expect(reads("identity.groups.exists(g, g.startsWith('eng'))")).toEqual([{ variable: "identity", field: "groups" }]);
    expect(reads("true")).toEqual([]);
  });

  it("cannot tell (undefined) when a variable is read any other way", () => {
    for (const source of [
      "time.getHours() > 8",
      "request.prompt.contains('x')",
      "identity.claims.tier == 'gold'",
      "size(request.headers) > 3",
      "request.headers.exists(h, h == 'x-team')",
      "request.headers[identity.email] == 'x'",
      "identity == {}",
      "[identity.email].exists(request, request == 'x')",
    ]) {
      expect(reads(source), source).toBeUndefined();
    }
  });
});
