// A secret cut by a boundary whose first part is a secret on its own (a PEM block's header, an
// API key's first 24 characters): the joined finding was left to that part's own finding as if the
// rest were glued-on neighbouring text, and the rest of the secret went upstream in clear.
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "../masking/mask-session.js";
import { openai } from "../providers/openai.js";
import { canonicalBody } from "./canonical-body.js";
import { maskedRequest } from "./mask-canonical.js";
import { inspectRequest } from "./request-inspection.js";

const route = { connection: "openai", rest: "/v1/chat/completions", search: "" };
const headers = { "content-type": "application/json" };
const rules = [{ policy: "mask", detectors: compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }), direction: "request" as const, style: "redact" as const, restore: false }];
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
const KEY = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789";

async function forwarded(texts: string[], messages = false) {
  const body = messages ? { model: "m", messages: texts.map((content) => ({ role: "user", content })) } : { model: "m", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] };
  const decoded = await canonicalBody(Buffer.from(JSON.stringify(body)), headers, route.rest, openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error("not decoded");
  const out = maskedRequest(decoded.body, route, () => inspectRequest(decoded.body, route, headers, "authorization"), createMaskSession("openai", route.rest, rules));
  if (!out.ok) throw new Error(out.reason);
  return out.upstream.bytes.toString();
}

describe("a secret cut where its first part is a secret on its own", () => {
  it.each([31, 32, 40, 60])("masks a PEM block cut at %i whole", async (at) => {
    for (const messages of [false, true]) {
      const sent = await forwarded([`key: ${PEM.slice(0, at)}`, `${PEM.slice(at)} thanks`], messages);
      expect(sent).not.toContain("MIIBOgIBAAJB");
      expect(sent).not.toContain("Pt8Qu");
      expect(sent).toContain("thanks");
    }
  });

  it.each([24, 30, 36])("masks an API key cut at %i whole", async (at) => {
    const sent = await forwarded([`use ${KEY.slice(0, at)}`, `${KEY.slice(at)} now`]);
    expect(sent).not.toContain(KEY.slice(at));
    expect(sent).toContain("now");
    expect(sent.match(/\[SECRET\]/g)).toHaveLength(1);
  });

  it("still leaves text glued to a whole e-mail alone", async () => {
    const sent = await forwarded(["send", "jane.doe@example.com"]);
    expect(sent).toContain('"send"');
  });
});
