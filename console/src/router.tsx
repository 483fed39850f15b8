// A small router over the History API: pages live at /console/<path>, links are real <a href>s
// (open in a new tab, copy, middle-click), and a click on one is handled without a reload.
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from "react";

/** Where the console is served. */
export const BASE = "/console";

const listeners = new Set<() => void>();
const notify = () => { for (const listener of listeners) listener(); };
window.addEventListener("popstate", notify);

/** The current path below /console (always starting with "/") and its query. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : "/";
  return { path: path === "" ? "/" : path, query: new URLSearchParams(window.location.search) };
}

/** Goes to `to` (a path below /console, with an optional query); `replace` leaves no history entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = `${BASE}${to}`;
  if (options.replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  notify();
  window.scrollTo(0, 0);
}

/** The current location, re-rendering on every navigation. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    return () => { listeners.delete(update); };
  }, []);
  return location;
}

/** A link inside the console. */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={`${BASE}${to}`} onClick={onClick} {...rest} />;
}
