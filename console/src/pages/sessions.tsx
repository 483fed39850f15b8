// Sessions: the recorded exchanges, searched on the server (subject, group, connection, model,
// verdict, time and, for those who read contents, free text), newest first, 50 per page. The
// search is kept in the address, so it can be shared and the back button returns to it.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type FormEvent, useState } from "react";
import { Verdict } from "../../../gen/palisade/agent/v1/exchange_pb.js";
import { api } from "../api.js";
import { useCaller } from "../caller.js";
import { count, iso, millis, span, verdictName, when } from "../format.js";
import { ErrorLine, Loading, useLoad, useTitle } from "../parts/common.js";
import { Link, navigate } from "../router.js";

const PAGE_SIZE = 50;
const FIELDS = ["subject", "group", "connection", "model", "verdict", "from", "to", "text"] as const;
type Field = (typeof FIELDS)[number];
const VERDICTS = [Verdict.ALLOWED, Verdict.MASKED, Verdict.REVIEWED, Verdict.DENIED, Verdict.LIMITED, Verdict.FAILED];

export function SessionsPage({ query }: { query: URLSearchParams }) {
  useTitle("Sessions");
  const { readsContents } = useCaller();
  const search = Object.fromEntries(FIELDS.map((field) => [field, query.get(field) ?? ""])) as Record<Field, string>;
  const pageToken = query.get("page") ?? "";
  const [form, setForm] = useState(search);
  const key = query.toString();

  const loaded = useLoad(async () => {
    const verdict = VERDICTS.find((v) => verdictName(v) === search.verdict);
    return api.sessions.listSessions({
      subject: search.subject.trim(),
      group: search.group.trim(),
      connection: search.connection.trim(),
      model: search.model.trim(),
      verdicts: verdict === undefined ? [] : [verdict],
      startTime: search.from ? timestampFromDate(new Date(search.from)) : undefined,
      endTime: search.to ? timestampFromDate(new Date(search.to)) : undefined,
      text: readsContents ? search.text.trim() : "",
      pageSize: PAGE_SIZE,
      pageToken,
    });
  }, [key, readsContents]);

  const go = (values: Record<Field, string>, page = "", previous: string[] = []) => {
    const params = new URLSearchParams();
    for (const field of FIELDS) if (values[field]) params.set(field, values[field]);
    if (page) params.set("page", page);
    if (previous.length > 0) params.set("back", previous.join(","));
    navigate(`/sessions${params.size > 0 ? `?${params}` : ""}`);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    go(form);
  };
  const back = (query.get("back") ?? "").split(",").filter(Boolean);
  const sessions = loaded.value?.sessions ?? [];
  const input = (field: Field, label: string, type = "text", placeholder = "") => (
    <div className="field">
      <label htmlFor={`f-${field}`}>{label}</label>
      <input id={`f-${field}`} type={type} value={form[field]} placeholder={placeholder} onChange={(event) => setForm({ ...form, [field]: event.target.value })} />
    </div>
  );

  return (
    <>
      <h1>Sessions</h1>
      <form className="search" aria-label="Search sessions" onSubmit={submit}>
        {input("subject", "Subject", "text", "alice@example.com")}
        {input("group", "Group")}
        {input("connection", "Connection")}
        {input("model", "Model")}
        <div className="field">
          <label htmlFor="f-verdict">Verdict</label>
          <select id="f-verdict" value={form.verdict} onChange={(event) => setForm({ ...form, verdict: event.target.value })}>
            <option value="">any</option>
            {VERDICTS.map((v) => <option key={v} value={verdictName(v)}>{verdictName(v)}</option>)}
          </select>
        </div>
        {input("from", "From", "datetime-local")}
        {input("to", "Until", "datetime-local")}
        {readsContents && input("text", "Text in prompts and responses", "search", "\"credit card\" -test")}
        <div className="actions">
          <button type="submit">Search</button>
          <button type="button" className="link" onClick={() => { setForm(Object.fromEntries(FIELDS.map((f) => [f, ""])) as Record<Field, string>); go({} as Record<Field, string>); }}>Clear</button>
        </div>
      </form>
      <ErrorLine error={loaded.error} />
      <Loading when={loaded.loading} />
      {!loaded.loading && loaded.value && sessions.length === 0 && <p className="empty">No session matches.</p>}
      {sessions.length > 0 && (
        <table className="list" aria-label="Sessions found">
          <thead>
            <tr><th scope="col">Started</th><th scope="col">Subject</th><th scope="col">Connection</th><th scope="col">Model</th><th scope="col">Verdict</th><th scope="col">Status</th><th scope="col" className="num">Tokens</th><th scope="col" className="num">Duration</th></tr>
          </thead>
          <tbody>
            {sessions.map(({ exchange: x }) => x && (
              <tr key={x.id}>
                <td><Link to={`/sessions/${encodeURIComponent(x.id)}`}><time dateTime={iso(x.startedAt)}>{when(x.startedAt)}</time></Link></td>
                <td>{x.identity?.subject || <span className="muted">unauthenticated</span>}</td>
                <td>{x.connection}</td>
                <td>{x.model || "—"}</td>
                <td><span className={`verdict ${verdictName(x.verdict)}`}>{verdictName(x.verdict)}</span></td>
                <td>{x.status || "—"}</td>
                <td className="num">{x.usage ? `${x.usage.estimated ? "~" : ""}${count(x.usage.totalTokens)}` : "—"}</td>
                <td className="num">{x.duration ? span(millis(x.duration)) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        {pageToken && <button type="button" onClick={() => go(search, back.at(-1) ?? "", back.slice(0, -1))}>Newer</button>}
        {loaded.value?.nextPageToken && <button type="button" onClick={() => go(search, loaded.value!.nextPageToken, [...back, pageToken])}>Older</button>}
      </nav>
    </>
  );
}
