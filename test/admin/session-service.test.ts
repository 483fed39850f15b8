// SessionService through the in-process transport: newest first, filters, page tokens that walk
// every session exactly once, bodies only from GetSession.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { type AdminHarness, startAdminHarness } from "./admin-harness.js";

describe("SessionService", () => {
  let admin: AdminHarness;
  const base = Date.UTC(2031, 5, 1);

  beforeAll(async () => {
    admin = await startAdminHarness();
    const recorded = Array.from({ length: 12 }, (_, i) => exchange(`s-${String(i).padStart(2, "0")}`, {
      startedMs: base + i * 1000, subject: i % 3 === 0 ? "bob" : "alice", connection: i % 2 === 0 ? "openai" : "anthropic",
    }));
    await admin.sink.commit("edge-1", recorded);
  });
  afterAll(async () => { await admin?.close(); });

  it("lists newest first without bodies, one page at a time", async () => {
    const client = admin.client(SessionService);
    const ids: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await client.listSessions({ pageSize: 5, pageToken });
      for (const session of page.sessions) {
        expect(session.exchange?.requestBody).toBe("");
        expect(session.exchange?.responseBody).toBe("");
        expect(session.exchange?.agent).toBe("edge-1");
        expect(session.commitTime).toBeDefined();
        ids.push(session.exchange!.id);
      }
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => `s-${String(11 - i).padStart(2, "0")}`));
  });

  it("filters by subject and connection", async () => {
    const client = admin.client(SessionService);
    const bob = await client.listSessions({ subject: "bob" });
    expect(bob.sessions.map((s) => s.exchange?.id)).toEqual(["s-09", "s-06", "s-03", "s-00"]);
    expect(bob.nextPageToken).toBe("");
    const both = await client.listSessions({ subject: "bob", connection: "openai" });
    expect(both.sessions.map((s) => s.exchange?.id)).toEqual(["s-06", "s-00"]);
  });

  it("returns one session with its bodies, NOT_FOUND for unknown ids", async () => {
    const client = admin.client(SessionService);
    const { session } = await client.getSession({ id: "s-04" });
    expect(session?.exchange?.requestBody).toBe('{"model":"gpt-test","id":"s-04"}');
    expect(session?.exchange?.responseBody).toBe("Hello there");
    expect(session?.exchange?.usage?.totalTokens).toBe(46n);
    const missing = await client.getSession({ id: "nope" }).catch((e: unknown) => ConnectError.from(e));
    expect((missing as ConnectError).code).toBe(Code.NotFound);
  });

  it("refuses a page token it did not issue", async () => {
    const forged = Buffer.from(JSON.stringify(["not a time", "s-01"])).toString("base64url");
    for (const pageToken of ["garbage!", forged]) {
      const error = await admin.client(SessionService).listSessions({ pageToken }).catch((e: unknown) => ConnectError.from(e));
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    }
  });
});
