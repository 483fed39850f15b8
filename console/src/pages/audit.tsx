// The audit log: verify the hash chain and its signed checkpoints on the server and show the result.
import { useState } from "react";
import type { VerifyLogResponse } from "../../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { api, errorText } from "../api.js";
import { count, when } from "../format.js";
import { ErrorLine, useLoad, useTitle } from "../parts/common.js";

export function AuditPage() {
  useTitle("Audit log");
  const [result, setResult] = useState<VerifyLogResponse>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const keys = useLoad(async () => (await api.auditLog.getLogPublicKey({})).keys, []);

  const verify = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.auditLog.verifyLog({}));
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const current = keys.value?.at(-1);
  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Every session, admin action, review, alert and block is an entry of one hash chain; checkpoints sign its head.</p>
      <button type="button" onClick={() => void verify()} disabled={busy}>{busy ? "Verifying…" : "Verify the whole log"}</button>
      <ErrorLine error={error} />
      {result && (
        <div className={result.ok ? "result ok" : "result error"} role="status" data-testid="verify-result">
          <p><strong>{result.ok ? "Intact." : `Broken at entry ${result.firstBrokenSeq}.`}</strong>{result.problem ? ` ${result.problem}` : ""}</p>
          <p>{count(result.entriesChecked)} entries and {count(result.checkpointsChecked)} signed checkpoints checked.</p>
          {result.lastCheckpoint ? (
            <p data-testid="last-checkpoint">
              Newest verified checkpoint: entry {count(result.lastCheckpoint.seq)}, signed {when(result.lastCheckpoint.time)} by
              key <span className="mono">{result.lastCheckpoint.kid}</span> (hash <span className="mono">{result.lastCheckpoint.hash.slice(0, 16)}…</span>).
            </p>
          ) : (
            <p>No signed checkpoint covers these entries yet (one is signed every 10,000 entries or every minute).</p>
          )}
        </div>
      )}
      <h2>Checkpoint key</h2>
      <ErrorLine error={keys.error} />
      {current && (
        <p>Signing key <span className="mono">{String(current.kid ?? "")}</span> ({String(current.alg ?? "")}), valid from entry {String(current.palisade_valid_from_seq ?? 1)}; {keys.value!.length} key{keys.value!.length === 1 ? "" : "s"} in all.</p>
      )}
    </>
  );
}
