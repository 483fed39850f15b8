// Whether the control plane should receive traffic: the database answers a trivial query, the
// snapshot cache has been built, and the control plane is not shutting down. Liveness (/healthz)
// is only "the process answers"; readiness is what a load balancer or Kubernetes routes on.

/** The outcome of one readiness check; `reason` says what failed. */
export interface Readiness {
  ready: boolean;
  reason?: string;
  /** Configuration version the snapshot cache serves, once built. */
  version?: string;
}

/** What readiness looks at. */
export interface ReadinessDeps {
  /** Resolves when the database answers; rejects (or does not resolve in time) otherwise. */
  pingDatabase(): Promise<void>;
  /** The snapshot cache's version, undefined until it is built. */
  snapshotVersion(): string | undefined;
  /** How long the database may take to answer; default 2 s. */
  timeoutMs?: number;
}

/** A readiness probe, which also turns not-ready for good once `markClosing` is called. */
export interface ReadinessProbe {
  check(): Promise<Readiness>;
  /** Shutdown began: report not ready from now on so traffic moves elsewhere while it drains. */
  markClosing(): void;
}

/** Creates the probe over `deps`. */
export function createReadinessProbe(deps: ReadinessDeps): ReadinessProbe {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  let closing = false;
  return {
    async check() {
      if (closing) return { ready: false, reason: "shutting down" };
      const version = deps.snapshotVersion();
      if (version === undefined) return { ready: false, reason: "snapshot cache not built yet" };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([deps.pingDatabase(), late]);
      } catch (error) {
        return { ready: false, reason: `database unavailable: ${error instanceof Error ? error.message : String(error)}` };
      } finally {
        clearTimeout(timer);
      }
      return closing ? { ready: false, reason: "shutting down" } : { ready: true, version };
    },
    markClosing() {
      closing = true;
    },
  };
}
