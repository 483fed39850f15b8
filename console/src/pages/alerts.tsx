// Alerts: the latest firings of AlertRules, with what was measured and the sessions that are the evidence.
import { api } from "../api.js";
import { iso, when } from "../format.js";
import { ErrorLine, Loading, useLoad, useTitle } from "../parts/common.js";
import { Link } from "../router.js";

export function AlertsPage() {
  useTitle("Alerts");
  const loaded = useLoad(async () => (await api.blocks.listAlerts({ limit: 100 })).alerts, [], 10_000);
  const alerts = loaded.value ?? [];
  return (
    <>
      <h1>Alerts</h1>
      <ErrorLine error={loaded.error} />
      <Loading when={loaded.loading && !loaded.value} />
      {loaded.value && alerts.length === 0 && <p className="empty">No alert has fired.</p>}
      {alerts.length > 0 && (
        <table className="list">
          <thead><tr><th scope="col">Fired</th><th scope="col">Rule</th><th scope="col">Subject</th><th scope="col">What happened</th><th scope="col">Blocked</th><th scope="col">Evidence</th></tr></thead>
          <tbody>
            {alerts.map((alert) => (
              <tr key={alert.id}>
                <td><time dateTime={iso(alert.fireTime)}>{when(alert.fireTime)}</time></td>
                <td>{alert.rule}</td>
                <td>{alert.subject}</td>
                <td>{alert.summary}</td>
                <td>{alert.blocked ? "yes" : "no"}</td>
                <td>
                  {alert.sessionIds.length === 0 ? "—" : (
                    <details>
                      <summary>{alert.sessionIds.length} session{alert.sessionIds.length === 1 ? "" : "s"}</summary>
                      <ul className="plain">
                        {alert.sessionIds.map((id) => <li key={id}><Link to={`/sessions/${encodeURIComponent(id)}`} className="mono">{id.slice(0, 8)}</Link></li>)}
                      </ul>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
