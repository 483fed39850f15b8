import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createServerLogger } from "./logger.js";

function captured() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createServerLogger("info", destination) };
}

describe("server logs", () => {
  it("redact secret fields at the top level, one level down and in headers", () => {
    const { lines, logger } = captured();
    logger.child({ component: "agent" }).info({
      authorization: "Bearer top-secret-1",
      req: { headers: { authorization: "Bearer top-secret-2", "x-api-key": "top-secret-3", accept: "json" } },
      credential: { header: "authorization", value: "top-secret-4" },
      agent: { token: "top-secret-5", name: "edge" },
      databaseUrl: "postgres://palisade:top-secret-6@db:5432/palisade",
    }, "event");
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(lines[0]).not.toMatch(/top-secret/);
    expect(line).toMatchObject({
      component: "agent",
      msg: "event",
      authorization: "[Redacted]",
      req: { headers: { authorization: "[Redacted]", "x-api-key": "[Redacted]", accept: "json" } },
      credential: { header: "authorization", value: "[Redacted]" },
      agent: { token: "[Redacted]", name: "edge" },
      databaseUrl: "postgres://palisade:REDACTED@db:5432/palisade",
    });
    expect(typeof line.time).toBe("string");
  });
});
