// The request pipeline: session id → admission (audit slot) → connection → caller identity →
// body → policies (allowed groups, policies, limits) → forward. Every step that refuses answers in
// the provider's format and is recorded.
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { Verdict, type Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledSnapshot } from "../config/compile-snapshot.js";
import type { RequestMetrics } from "../observability/agent-metrics.js";
import { readCallerToken } from "./caller-token.js";
import { canonicalBody } from "../inspection/canonical-body.js";
import { maskedRequest } from "../inspection/mask-canonical.js";
import { contentView } from "../inspection/content-view.js";
import { inspectRequest, type RequestInspection } from "../inspection/request-inspection.js";
import { InspectionLimitError } from "../inspection/text-slot.js";
import { parseJsonBody } from "../masking/json-body.js";
import { createMaskSession } from "../masking/mask-session.js";
import { admitRequest } from "../policy/admit-request.js";
import { blockMessage, blockReason } from "../policy/blocks.js";
import type { LimitGate } from "../policy/limits.js";
import { settledTokens, tokenEstimate } from "../limits/token-estimate.js";
import { fallbackProvider, type ProviderSpec, type Refusal } from "../providers/index.js";
import { recordMaskRules } from "../policy/record-masks.js";
import { startExchangeRecorder } from "../record/exchange-recorder.js";
import type { ReviewChannel } from "../review/review-hold.js";
import type { BufferSlot, ExchangeBuffer } from "../stream/exchange-buffer.js";
import { forward, type ForwardContext } from "./forward.js";
import { holdForReview } from "./hold-for-review.js";
import { refusalAfterHold } from "./after-hold.js";
import { reviewedHeaders } from "../review/reviewed-headers.js";
import { answeredByParser } from "./parser-answers.js";
import { discardRest, readBody } from "./read-body.js";
import { recordRefusal, writeRefusal } from "./refusal.js";
import { parseRoute } from "./route.js";

/** Header carrying the exchange id on every response. */
export const sessionHeader = "x-palisade-session";

/** What the pipeline reads and writes besides the request. */
export interface PipelineDeps extends ForwardContext {
  /** The snapshot in force now; a request keeps the one it started with. */
  snapshot(): CompiledSnapshot | undefined;
  buffer: ExchangeBuffer;
  /** Where held requests ask for reviews; absent: every held request is refused. */
  reviews?: ReviewChannel;
  /** Per-identity limit counters; they outlive snapshots. */
  limits: LimitGate;
  maxBodyBytes: number;
  recordLimitBytes: number;
  logger: Logger;
  /** Where each exchange, policy decision and upstream timing is counted; absent: nowhere. */
  metrics?: RequestMetrics;
}

/** The slot, logging each exchange it commits (at debug: one line per request; never bodies or tokens) and telling `committed`. */
function withLog(slot: BufferSlot, logger: Logger, committed: (exchange: Exchange) => void): BufferSlot {
  return {
    commit(exchange) {
      slot.commit(exchange);
      committed(exchange);
      if (!logger.isLevelEnabled("debug")) return; // the line's fields are not even gathered
      const { id: session, connection, method, path, status, reason, error, policy } = exchange;
      logger.debug({ session, connection, method, path, status, verdict: Verdict[exchange.verdict], policy, reason, error, subject: exchange.identity?.subject }, "exchange");
    },
    release: () => slot.release(),
  };
}

/** Creates the request handler; it never throws and always answers. */
export function createRequestHandler(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const id = randomUUID();
    res.setHeader(sessionHeader, id);
    const route = parseRoute(req.url ?? "/");
    const snapshot = deps.snapshot();
    const connection = route ? snapshot?.connections.get(route.connection) : undefined;
    const provider: ProviderSpec = connection?.provider ?? fallbackProvider;

    const slot = deps.buffer.reserve();
    if (!slot) {
      // Fail closed: what cannot be audited is not forwarded (and this refusal cannot be recorded, only counted).
      deps.logger.warn({ session: id, refusals: deps.buffer.refusals }, "audit buffer full, request refused");
      writeRefusal(res, provider, { status: 503, kind: "unavailable", message: "Palisade agent audit buffer full; retry later" }, { "retry-after": "1" });
      return discardRest(req);
    }

    // Once admitted by the limits: settles the token limits to the usage the provider reported.
    let chargeTokens: ((tokens: number, now: number) => void) | undefined;
    const recorder = startExchangeRecorder({
      id,
      method: req.method ?? "GET",
      // With no configuration no mask policy is known to mask the target with: its query is not recorded.
      path: !snapshot ? (route?.rest ?? "") : route ? `${route.rest}${route.search}` : (req.url ?? ""),
      slot: withLog(slot, deps.logger, (exchange) => {
        deps.metrics?.exchange(exchange, connection?.name ?? "");
        if (!chargeTokens) return;
        chargeTokens(settledTokens(exchange), Date.now());
      }),
      recordLimit: deps.recordLimitBytes,
    });
    recorder.connection(route?.connection ?? "");
    // What the record quotes from the caller is masked by every mask policy that could apply (record-masks.ts).
    if (snapshot) recorder.guard(recordMaskRules(connection ? snapshot.policies.forConnection(connection.name) : snapshot.policies.all));
    const refuse = (refusal: Refusal, reason = refusal.message, verdict = Verdict.DENIED, headers: Record<string, string> = {}) => {
      recordRefusal(res, recorder, provider, refusal, { verdict, reason }, headers);
      discardRest(req);
    };

    try {
      if (!snapshot) return refuse({ status: 503, kind: "unavailable", message: "Palisade agent has no configuration yet" });
      if (!route || !connection) {
        return refuse({ status: 404, kind: "not_found", message: `Unknown connection: ${route?.connection ?? "(none)"}` });
      }
      if (connection.unenforceable) {
        return refuse({ status: 503, kind: "unavailable", message: `Palisade agent cannot enforce connection ${connection.name}'s configuration: it holds ${connection.unenforceable}; the agent needs an upgrade` });
      }

      const credential = readCallerToken(req);
      if (credential.ambiguous !== undefined) {
        return refuse({ status: 401, kind: "unauthenticated", message: "Invalid or missing Palisade token" }, `ambiguous caller credentials: ${credential.ambiguous}`);
      }
      const token = credential.token;
      const verification = await snapshot.identity.verify(token);
      if (!verification.ok && verification.unreachable) {
        // Fail closed, but say why: the caller's token may be good; the identity provider is away (retry).
        return refuse({ status: 503, kind: "unavailable", message: `Palisade cannot verify the token now: its identity provider's keys cannot be fetched; retry later (session ${id})` }, verification.reason, Verdict.DENIED, { "retry-after": "5" });
      }
      if (!verification.ok) {
        return refuse({ status: 401, kind: "unauthenticated", message: "Invalid or missing Palisade token" }, verification.reason);
      }
      recorder.identity(verification.identity);
      const block = snapshot.blocks.find(verification.identity.subject, verification.identity.issuer, Date.now());
      if (block) return refuse({ status: 403, kind: "forbidden", message: blockMessage(block) }, blockReason(block));

      const body = await readBody(req, deps.maxBodyBytes);
      if (!body.ok && body.tooLarge) {
        return refuse({ status: 413, kind: "too_large", message: `Request body larger than ${deps.maxBodyBytes} bytes` });
      }
      if (!body.ok) {
        // The parser may have cut it (a broken or too slow body) and answered with this session.
        const cut = answeredByParser(res);
        if (cut) return recorder.finish({ status: cut.status, verdict: Verdict.DENIED, reason: `request not received whole: ${cut.message}` });
        return recorder.finish({ status: 499, verdict: Verdict.FAILED, error: "caller closed the connection while sending" });
      }
      // One canonical body before any policy runs: decoded, strictly parsed, of a type the provider
      // takes; what cannot be read is refused whatever the policies (they could not be evaluated).
      const decoded = await canonicalBody(body.body, req.headers, route.rest, provider.requestBodies, deps.maxBodyBytes);
      if (!decoded.ok) {
        const kind = decoded.status === 415 ? "unsupported_media_type" : decoded.status === 413 ? "too_large" : "invalid_request";
        // A body that could not be read cannot be masked: the record keeps its size and digest, never its bytes.
        const digest = createHash("sha256").update(body.body).digest("hex");
        return refuse({ status: decoded.status, kind, code: decoded.code, message: decoded.message }, `request not inspectable (${decoded.code}): ${decoded.message}; body not recorded: ${body.body.length} bytes, sha256 ${digest}`);
      }
      const canonical = decoded.body;
      const text = canonical.text ?? "";
      // Parsed once for the provider's facts, the prompt, masking and the usage rewrite (numbers
      // too long for a double keep their source text, so a rewritten body sends them unchanged).
      const json = canonical.json;
      const facts = provider.readRequest(json);
      recorder.request(canonical.bytes, facts, canonical.text);

      const prompt = provider.promptText(json, text);
      const estimate = tokenEstimate(prompt, facts.maxTokens);
      // Every text of the request (body strings at any depth, path, query, forwarded headers), as
      // slots: built only when a content rule or a mask rule needs them.
      let inspection: RequestInspection | undefined;
      const inspect = () => (inspection ??= inspectRequest(canonical, route, req.headers, connection.credential.header));
      const deciding = admitRequest({
        session: id,
        connection,
        policies: snapshot.policies,
        limits: deps.limits,
        context: {
          identity: verification.identity,
          request: { ...facts, method: req.method ?? "GET", path: `${route.rest}${route.search}`, headers: req.headers, prompt },
          connection: { name: connection.name, provider: provider.name },
          now: Date.now(),
          content: () => contentView(inspect()),
          binary: () => inspect().binary,
        },
        cost: { tokens: estimate.prompt + (estimate.maxTokens ?? 0) },
      });
      // Only shared limits (`--workers`) answer later; this process's counters answer at once.
      const admission = deciding instanceof Promise ? await deciding : deciding;
      // From here the limits hold a count for this request: the record settles it, whatever happens next.
      chargeTokens = admission.ok === "review" ? admission.admitted.chargeTokens : admission.ok ? admission.chargeTokens : undefined;
      recorder.policy(admission.policy);
      deps.metrics?.policy(admission.policy, admission.ok === true ? Verdict.ALLOWED : admission.ok === "review" ? Verdict.REVIEWED : admission.verdict);
      // Masking and the record mode hold whatever the outcome: a refused request is recorded as its
      // policies say too. The policies above matched the caller's original text (a deny rule must
      // see what was sent); what goes upstream, and what a `masked` record keeps, is masked.
      const { masks, record } = admission.ok === "review" ? admission.admitted : admission;
      const masking = masks.length > 0 ? createMaskSession(provider.name, route.rest, masks, json) : undefined;
      const masked = maskedRequest(canonical, route, inspect, masking);
      if (!masked.ok) {
        // Nothing unmasked goes upstream, nor into a record meant to be masked; a refused request keeps its own refusal.
        recorder.protection({ record: record === "raw" ? "raw" : "none", masks });
        if (!admission.ok) return refuse(admission.refusal, admission.reason, admission.verdict, admission.headers);
        return refuse(masked.refusal, masked.reason);
      }
      const forwarded = masked.upstream;
      const protectRefused = (refused: { record: typeof record; masks: typeof masks }) => {
        const session = refused.masks.length > 0 ? createMaskSession(provider.name, route.rest, refused.masks, json) : undefined;
        const again = maskedRequest(canonical, route, () => inspectRequest(canonical, route, req.headers, connection.credential.header), session);
        if (!again.ok) return recorder.protection({ record: refused.record === "raw" ? "raw" : "none", masks: refused.masks });
        const bytes = again.upstream.bytes;
        recorder.protection({ record: refused.record, masks: refused.masks, session, forwarded: bytes, forwardedPath: `${again.upstream.route.rest}${again.upstream.route.search}` });
      };
      recorder.protection({ record, masks, session: masking, forwarded: forwarded.bytes, forwardedPath: `${forwarded.route.rest}${forwarded.route.search}` });
      if (!admission.ok) return refuse(admission.refusal, admission.reason, admission.verdict, admission.headers);
      // A spent budget (pushed by the control plane) refuses what the policies let through.
      const spent = snapshot.budgets.check({
        subject: verification.identity.subject, groups: verification.identity.groups, connection: connection.name, model: facts.model, maxTokens: facts.maxTokens,
        promptTokens: estimate.prompt,
      }, Date.now());
      if (spent) {
        return refuse({ status: 429, kind: "rate_limited", message: `${spent.message} (session ${id})` }, spent.reason, Verdict.LIMITED, { "retry-after": String(spent.retryAfterSeconds) });
      }
      // The one place a held request waits for its review; it goes on only once approved.
      const decided = admission.ok === "review"
        ? await holdForReview(admission, {
          session: id,
          identity: verification.identity,
          request: {
            connection: connection.name, method: req.method ?? "GET", path: `${route.rest}${route.search}`,
            headers: reviewedHeaders(req.headers, connection.credential.header, canonical.contentType), body: canonical.bytes,
          },
          model: facts.model,
          prompt,
          recordLimitBytes: deps.recordLimitBytes,
          snapshot: deps.snapshot,
          channel: deps.reviews,
        })
        : { ok: true as const, admitted: admission, reviewId: "" };
      if (decided.reviewId) recorder.review(decided.reviewId);
      if (!decided.ok) {
        // Never forwarded: recorded as a refusal is (masked by every mask policy of the connection).
        if (admission.ok === "review") protectRefused(admission.refused);
        return refuse(decided.refusal, decided.reason, decided.verdict);
      }
      if (admission.ok === "review" || deps.snapshot() !== snapshot) {
        // Approved (or a new snapshot came while the body arrived, a shared limit answered): unless
        // a block, a revocation or a spent budget reached the agent meanwhile.
        const late = await refusalAfterHold(deps.snapshot(), {
          session: id, token, identity: verification.identity, connection: connection.name, model: facts.model, maxTokens: facts.maxTokens, promptTokens: estimate.prompt,
        }, Date.now);
        if (late) {
          if (admission.ok === "review") protectRefused(admission.refused);
          return refuse(late.refusal, late.reason, late.verdict, late.headers);
        }
      }
      // What forward() reads first: a caller gone by now is answered by nobody and nothing goes upstream.
      if (!res.closed && !res.destroyed) recorder.forwarded(estimate);

      // A stream that would not report usage is asked to (and the extra chunk hidden from the caller);
      // the rewrite starts from the masked body when the request was masked.
      const usage = canonical.form === "json" ? provider.streamUsage?.(route.rest, forwarded.bytes === canonical.bytes ? json : parseJsonBody(forwarded.bytes.toString("utf8"))) : undefined;
      const upstreamBody = usage ? { ...forwarded, bytes: usage.body } : forwarded;
      // The session reads the reply when a rule masks responses or a placeholder may need restoring.
      await forward(deps, req, res, connection, forwarded.route, upstreamBody, recorder, usage?.filter(), masking);
    } catch (error) {
      // A body too fragmented to read in reasonable time (a million tiny strings): refused whole,
      // whichever policy asked to read it; nothing was forwarded.
      if (error instanceof InspectionLimitError && !res.headersSent) {
        return refuse({ status: 413, kind: "too_large", code: "too_many_values", message: `Request refused by Palisade: ${error.message}, more than it inspects` }, `request not inspectable (too_many_values): ${error.message}`);
      }
      // A bug, not a network failure: answer, record, and keep serving.
      // Logged without its message, which may quote the request (a parser's snippet, a value):
      // the record keeps the message, masked like the rest of it; the stack's frames locate the bug.
      deps.logger.error({ err: internalError(error), session: id }, "request pipeline failed (the message is in the session's record)");
      // Its own status and code (500 `internal_error`), never an upstream's: operators look at the agent.
      if (!res.headersSent) writeRefusal(res, provider, { status: 500, kind: "internal", message: `Palisade agent internal error (session ${id})` });
      else res.destroy();
      recorder.finish({ status: 500, verdict: Verdict.FAILED, error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** An exception as it may be logged: its type and stack frames, not its message. */
function internalError(error: unknown): { type: string; frames?: string } {
  if (!(error instanceof Error)) return { type: typeof error };
  return { type: error.name, frames: error.stack?.split("\n").slice(1).join("\n") };
}
