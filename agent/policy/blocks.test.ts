import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { BlockSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { blockMessage, compileBlocks } from "./blocks.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const block = (subject: string, issuer: string, untilMs: number, rule = "") =>
  create(BlockSchema, { subject, issuer, reason: "too many tokens", rule, expireTime: timestampFromMs(untilMs) });

describe("compileBlocks", () => {
  it("finds a live block of the subject, for its issuer or any issuer", () => {
    const list = compileBlocks([block("ann", "https://idp", NOW + 60_000), block("bob", "", NOW + 60_000)]);
    expect(list.find("ann", "https://idp", NOW)?.subject).toBe("ann");
    expect(list.find("ann", "https://other", NOW)).toBeUndefined();
    expect(list.find("bob", "https://anything", NOW)?.subject).toBe("bob");
    expect(list.find("carl", "https://idp", NOW)).toBeUndefined();
  });

  it("errs on the side of refusing: an issuer in another case or with a trailing slash, a subject with blanks around it", () => {
    const list = compileBlocks([block("ann", "https://IdP.example.com/", NOW + 60_000), block(" bob ", "urn:idp", NOW + 60_000)]);
    expect(list.find("ann", "https://idp.example.com", NOW)?.subject).toBe("ann");
    expect(list.find("ann", "https://idp.example.com//", NOW)?.subject).toBe("ann");
    expect(list.find(" ann\t", "https://idp.example.com", NOW)?.subject).toBe("ann");
    expect(list.find("bob", "urn:idp", NOW)?.subject).toBe(" bob ");
    expect(list.find("ann", "https://idp.example.com/other", NOW)).toBeUndefined();
    expect(list.find("anne", "https://idp.example.com", NOW)).toBeUndefined();
  });

  it("ignores a block once its expiry has passed on the agent's clock", () => {
    const list = compileBlocks([block("ann", "", NOW + 1000)]);
    expect(list.find("ann", "x", NOW + 999)).toBeDefined();
    expect(list.find("ann", "x", NOW + 1000)).toBeUndefined();
  });

  it("answers with the block lasting longest and names rule and expiry", () => {
    const list = compileBlocks([block("ann", "", NOW + 1000), block("ann", "", NOW + 5000, "token-burst")]);
    const found = list.find("ann", "x", NOW)!;
    expect(found.rule).toBe("token-burst");
    expect(blockMessage(found)).toBe("Blocked by Palisade until 2026-11-29T12:00:05.000Z (alert rule token-burst): too many tokens");
  });

  it("refuses a block without a subject or expiry (the snapshot is NACKed)", () => {
    expect(() => compileBlocks([create(BlockSchema, { subject: "", expireTime: timestampFromMs(NOW) })])).toThrow(/subject/);
    expect(() => compileBlocks([create(BlockSchema, { subject: "ann" })])).toThrow(/expire/);
  });
});
