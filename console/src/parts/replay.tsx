// Replays a streamed answer as its caller received it: each recorded write at its recorded offset
// from the first byte (divided by the chosen speed), shown as the text it added or as the raw events.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Exchange } from "../../../gen/palisade/agent/v1/exchange_pb.js";
import { millis, span } from "../format.js";
import { textOfWrites } from "./stream-text.js";

const SPEEDS = [1, 2, 5, 10];

export function Replay({ x }: { x: Exchange }) {
  const [speed, setSpeed] = useState(1);
  const [shown, setShown] = useState(0);
  const [playing, setPlaying] = useState(false);
  const writes = useMemo(() => x.responseChunks.map((chunk) => chunk.data), [x]);
  const texts = useMemo(() => textOfWrites(writes), [writes]);
  const hasText = texts.some((text) => text !== "");
  const [view, setView] = useState<"text" | "events">(hasText ? "text" : "events");
  const timers = useRef<number[]>([]);
  const total = millis(x.responseChunks.at(-1)?.offset);

  const stop = useCallback(() => {
    for (const timer of timers.current) window.clearTimeout(timer);
    timers.current = [];
    setPlaying(false);
  }, []);
  useEffect(() => stop, [stop]);

  const play = () => {
    stop();
    setShown(0);
    setPlaying(true);
    x.responseChunks.forEach((chunk, index) => {
      timers.current.push(window.setTimeout(() => {
        setShown(index + 1);
        if (index === x.responseChunks.length - 1) setPlaying(false);
      }, millis(chunk.offset) / speed));
    });
  };

  const shownWrites = view === "text" ? texts.slice(0, shown) : writes.slice(0, shown);
  return (
    <div className="replay">
      <h3>Replay</h3>
      <p className="muted small">{x.responseChunks.length} writes over {span(total)} as recorded.</p>
      <div className="actions">
        <label htmlFor="replay-speed">Speed</label>
        <select id="replay-speed" value={speed} onChange={(event) => setSpeed(Number(event.target.value))} disabled={playing}>
          {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
        </select>
        <label htmlFor="replay-view">Show</label>
        <select id="replay-view" value={view} onChange={(event) => setView(event.target.value === "text" ? "text" : "events")}>
          <option value="text" disabled={!hasText}>the text</option>
          <option value="events">the events as sent</option>
        </select>
        {playing ? <button type="button" onClick={stop}>Stop</button> : <button type="button" onClick={play}>Play</button>}
        <span role="status" className="muted small" data-testid="replay-progress">{shown} / {x.responseChunks.length}</span>
      </div>
      <pre className="body replay-out" aria-live="off" data-testid="replay-output">{shownWrites.join("")}</pre>
    </div>
  );
}
