// Small pieces every page uses: titles, loading and error lines, a hook that polls a loader.
import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "../api.js";

/** Sets the document title for the page. */
export function useTitle(title: string): void {
  useEffect(() => { document.title = `${title} · Palisade`; }, [title]);
}

/** What a loader gave: its value, its last error, and how to run it again. */
export interface Loaded<T> {
  value: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

/**
 * Runs `load` now and whenever `deps` change, and every `pollMs` while the page is open (live
 * pages); a failed poll keeps the last value and shows the error.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the page names what its loader reads, as with useEffect's list
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const result = await run();
      if (mine !== generation.current) return;
      setValue(result);
      setError(undefined);
    } catch (caught) {
      if (mine === generation.current) setError(errorText(caught));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [run]);
  useEffect(() => {
    setLoading(true);
    void reload();
    if (!pollMs) return;
    const timer = window.setInterval(() => void reload(), pollMs);
    return () => window.clearInterval(timer);
  }, [reload, pollMs]);
  return { value, error, loading, reload };
}

/** An error line, announced to screen readers. */
export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? <p className="error" role="alert">{error}</p> : null;
}

/** "Loading…" while the first answer is awaited. */
export function Loading({ when }: { when: boolean }) {
  return when ? <p className="muted" aria-busy="true">Loading…</p> : null;
}

/** A label and a value in a definition list. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return <><dt>{label}</dt><dd>{children}</dd></>;
}
