// Which token a request carries, from the headers as Node parsed them and the raw lines they came in.
import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { readCallerToken } from "./caller-token.js";

/** A request as node:http presents raw header lines: the first Authorization kept, x-api-keys joined. */
function request(...lines: [string, string][]): { headers: IncomingHttpHeaders; rawHeaders: string[] } {
  const headers: Record<string, string> = {};
  for (const [name, value] of lines) {
    const key = name.toLowerCase();
    if (key === "authorization") headers[key] ??= value;
    else headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { headers, rawHeaders: lines.flat() };
}

describe("readCallerToken", () => {
  it("reads a Bearer token, an x-api-key, or both when they are the same", () => {
    expect(readCallerToken(request(["Authorization", "Bearer aaa.bbb.ccc"]))).toEqual({ token: "aaa.bbb.ccc" });
    expect(readCallerToken(request(["x-api-key", " aaa.bbb.ccc "]))).toEqual({ token: "aaa.bbb.ccc" });
    expect(readCallerToken(request(["authorization", "bearer aaa.bbb.ccc"], ["X-Api-Key", "aaa.bbb.ccc"]))).toEqual({ token: "aaa.bbb.ccc" });
    expect(readCallerToken(request(["content-type", "application/json"]))).toEqual({ token: undefined });
  });

  it("reads no token from another scheme", () => {
    expect(readCallerToken(request(["authorization", "Basic eDp5"]))).toEqual({ token: undefined });
  });

  it("refuses two credentials: a header twice, or two headers that differ", () => {
    expect(readCallerToken(request(["Authorization", "Bearer aaa.bbb.ccc"], ["authorization", "Bearer ddd.eee.fff"])).ambiguous).toBe("more than one Authorization header");
    // Even the same token twice: a reader that joins them reads neither.
    expect(readCallerToken(request(["Authorization", "Bearer aaa.bbb.ccc"], ["Authorization", "Bearer aaa.bbb.ccc"])).ambiguous).toBe("more than one Authorization header");
    expect(readCallerToken(request(["x-api-key", "aaa.bbb.ccc"], ["X-API-KEY", "ddd.eee.fff"])).ambiguous).toBe("more than one x-api-key header");
    expect(readCallerToken(request(["authorization", "Bearer aaa.bbb.ccc"], ["x-api-key", "ddd.eee.fff"])).ambiguous).toBe("Authorization and x-api-key carry different credentials");
    expect(readCallerToken(request(["authorization", "Basic eDp5"], ["x-api-key", "ddd.eee.fff"])).ambiguous).toBe("Authorization and x-api-key carry different credentials");
  });
});
