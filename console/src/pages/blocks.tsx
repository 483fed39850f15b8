// Blocks: the identities every agent refuses now, and (for admins) lifting a block.
import { useState } from "react";
import type { BlockRecord } from "../../../gen/palisade/admin/v1/block_service_pb.js";
import { api, errorText } from "../api.js";
import { useCaller } from "../caller.js";
import { timeLeft, when } from "../format.js";
import { useNow } from "../parts/clock.js";
import { ErrorLine, Loading, useLoad, useTitle } from "../parts/common.js";

export function BlocksPage() {
  useTitle("Blocks");
  const { isAdmin } = useCaller();
  const now = useNow();
  const loaded = useLoad(async () => (await api.blocks.listBlocks({ limit: 200 })).blocks, [], 5000);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const blocks = loaded.value ?? [];

  const unblock = async (block: BlockRecord) => {
    if (!window.confirm(`Lift the block of ${block.subject}? Agents accept it again within a second.`)) return;
    try {
      await api.blocks.deleteBlock({ subject: block.subject, issuer: block.issuer });
      setMessage({ ok: true, text: `Lifted the block of ${block.subject}.` });
      await loaded.reload();
    } catch (error) {
      setMessage({ ok: false, text: errorText(error) });
    }
  };

  return (
    <>
      <h1>Blocks</h1>
      <p className="muted">Identities every agent refuses with 403 until the block ends or is lifted.</p>
      <ErrorLine error={loaded.error} />
      {message && <p className={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>{message.text}</p>}
      <Loading when={loaded.loading && !loaded.value} />
      {loaded.value && blocks.length === 0 && <p className="empty">Nobody is blocked.</p>}
      {blocks.length > 0 && (
        <table className="list">
          <thead><tr><th scope="col">Subject</th><th scope="col">Issuer</th><th scope="col">Reason</th><th scope="col">By</th><th scope="col">Since</th><th scope="col">Ends in</th>{isAdmin && <th scope="col"><span className="sr-only">Actions</span></th>}</tr></thead>
          <tbody>
            {blocks.map((block) => (
              <tr key={block.id}>
                <td>{block.subject}</td>
                <td>{block.issuer || "any"}</td>
                <td>{block.reason}</td>
                <td>{block.createdBy}</td>
                <td>{when(block.createTime)}</td>
                <td>{timeLeft(block.expireTime, now)}</td>
                {isAdmin && <td><button type="button" onClick={() => void unblock(block)} aria-label={`Unblock ${block.subject}`}>Unblock</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
