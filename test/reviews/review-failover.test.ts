// Reviews across failures: an agent restart and a control-plane restart while a request is held
// never forward it; a decision made on another control-plane replica reaches the holding agent.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent } from "../../agent/agent.js";
import { startControlPlane } from "../../control-plane/control-plane.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { agentCaughtUp } from "../support/metrics.js";
import { palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY } from "../support/stack.js";
import { type ReviewBed, startReviewBed } from "./review-bed.js";

describe("reviews across restarts and replicas", () => {
  let bed: ReviewBed;
  let dataDir: string;
  const forwarded = (text: string) => bed.stack.provider.requests.filter((request) => request.body.includes(text)).length;
  const held = async (prompt: string) => {
    const answer = bed.ask(prompt);
    return { answer, id: await bed.pendingReview(prompt) };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "palisade-reviews-"));
    bed = await startReviewBed({ agentName: "review-failover", wait: "5s", controlPlane: { dataDir } });
  });
  afterAll(async () => {
    await bed?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("an agent shutting down refuses what it holds; a later approval forwards nothing by itself", async () => {
    const { answer, id } = await held("credit card (agent restart)");
    await bed.stack.agent.close();
    expect((await answer).status).toBe(403);
    const token = (await palisade(bed.stack.env, ["agent", "create", "review-failover", "--rotate"])).trim();
    bed.stack.agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: bed.stack.controlPlane.url, token });
    bed.stack.baseURL = `${bed.stack.agent.url}/standin/v1`;
    expect((await bed.review(["approve", id])).code).toBe(0);
    // The new agent has the decision once it runs the version the control plane serves after it.
    await eventually("the decision to reach the new agent", () => agentCaughtUp(bed.stack.agent.url, bed.stack.controlPlane.url));
    expect(forwarded("(agent restart)")).toBe(0);
  });

  it("a control-plane restart while a request is held does not approve it; the review survives", async () => {
    const { answer, id } = await held("credit card (control plane restart)");
    const address = new URL(bed.stack.controlPlane.url).host;
    await bed.stack.controlPlane.close();
    bed.stack.controlPlane = await startControlPlane({ listen: address, databaseUrl: bed.stack.db.url, dataDir, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
    const refused = await answer;
    expect(refused.status).toBe(403);
    expect(refused.message).toContain(`held for review ${id}: not decided in time`);
    expect(forwarded("(control plane restart)")).toBe(0);
    const shown = JSON.parse((await bed.review(["show", id, "-o", "json"])).stdout) as { state: string };
    expect(shown.state).toBe("pending");
  });

  it("a decision made on another replica reaches the agent holding the request", { tags: ["postgres"] }, async (context) => {
    if (!bed.stack.db.url) return context.skip(); // PGlite is one process: replicas need PostgreSQL
    await eventually("the agent to reconnect", async () => ((await bed.ask("hello again")).status === 200 ? true : undefined));
    const other = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: bed.stack.db.url, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
    try {
      const { answer, id } = await held("credit card (other replica)");
      const run = await runPalisade(["review", "approve", id], { ...bed.stack.env, PALISADE_SERVER: other.url });
      expect(run.code, run.stderr).toBe(0);
      expect(await answer).toEqual({ status: 200, message: "" });
      expect(forwarded("(other replica)")).toBe(1);
    } finally {
      await other.close();
    }
  });
});
