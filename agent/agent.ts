// The Palisade agent (data plane): an HTTP proxy serving each connection of the current snapshot,
// configured and audited over one control stream it dials out to the control plane.
import { pino, type Logger } from "pino";
import { Agent as UndiciAgent } from "undici";
import { createSnapshotStore } from "./config/snapshot-store.js";
import { createRequestHandler } from "./http/handle-request.js";
import { startProxyServer } from "./http/proxy-server.js";
import { createExchangeBuffer } from "./stream/exchange-buffer.js";
import { startStreamClient } from "./stream/stream-client.js";
import { agentVersion } from "./version.js";

export interface AgentOptions {
  listen: string; // "host:port"; port 0 picks a free port
  controlPlane: string; // "http://host:port" of the control plane
  token: string; // enrolment token "<agent-name>.<secret>"
  segment?: string;
  maxBodyBytes?: number; // request body limit, default 16 MiB (413 above it)
  bufferSize?: number; // exchanges held awaiting ACK, default 10 000
  logger?: Logger;
}

export interface Agent {
  url: string; // "http://host:port" actually bound
  close(): Promise<void>; // drains in-flight requests, flushes what it can, closes the stream
}

const defaults = {
  maxBodyBytes: 16 * 1024 * 1024,
  bufferSize: 10_000,
  recordLimitBytes: 1024 * 1024, // bodies in the audit record are cut here (flagged truncated)
  upstreamHeadersTimeoutMs: 10 * 60 * 1000, // a non-streamed completion sends headers only when done
  upstreamConnectTimeoutMs: 10_000,
  drainMs: 10_000, // how long close() lets requests in flight finish
  flushMs: 5_000, // how long close() waits for buffered exchanges to be acknowledged
};

/** Starts the agent: listening at once (503 until the first snapshot), connecting in the background. */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const logger = options.logger ?? pino({ level: "silent" });
  if (!/^[a-z][a-z0-9-]{0,62}\.[^.]+$/.test(options.token)) throw new Error('agent token must look like "<agent-name>.<secret>"');
  const maxBodyBytes = options.maxBodyBytes ?? defaults.maxBodyBytes;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new Error(`maxBodyBytes must be a non-negative integer, got ${maxBodyBytes}`);

  const store = createSnapshotStore();
  const buffer = createExchangeBuffer(options.bufferSize ?? defaults.bufferSize);
  const dispatcher = new UndiciAgent({
    headersTimeout: defaults.upstreamHeadersTimeoutMs,
    bodyTimeout: 0,
    connectTimeout: defaults.upstreamConnectTimeoutMs,
  });
  const handler = createRequestHandler({
    snapshot: store.current,
    buffer,
    maxBodyBytes,
    recordLimitBytes: defaults.recordLimitBytes,
    dispatcher,
    headersTimeoutMs: defaults.upstreamHeadersTimeoutMs,
    logger,
  });
  const server = await startProxyServer(options.listen, handler);
  const stream = startStreamClient({
    controlPlane: options.controlPlane,
    token: options.token,
    segment: options.segment ?? "",
    version: agentVersion(),
    store,
    buffer,
    logger,
  });
  logger.info({ url: server.url, controlPlane: options.controlPlane }, "agent listening");

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    close() {
      closing ??= (async () => {
        await server.close(defaults.drainMs);
        const flushed = await stream.flush(defaults.flushMs);
        if (!flushed) logger.warn({ unacknowledged: buffer.held }, "agent closing with exchanges not acknowledged");
        await stream.close();
        await dispatcher.close();
      })();
      return closing;
    },
  };
}
