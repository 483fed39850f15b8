// The slots of a request's path segments and forwarded headers as objects of a class: each reads
// its location when asked (for a finding or a refusal), not spelled for every slot of every
// request, and writes through a method on the request's shared state, not a closure per slot
// (docs/performance.md, "Issue 13: the request's slots and views spelled on demand").
import type { TextSlot } from "./text-slot.js";

/** What a request's path and header slots write into, and whether they did. */
export interface RouteWrites {
  readonly segments: string[];
  changed: boolean;
}

/** The headers forwarded upstream, as masking leaves them. */
export interface HeaderWrites {
  readonly forwarded: Record<string, string | string[]>;
  changed: boolean;
}

/** A path segment (percent-decoded): written back percent-encoded. */
export class PathSlot implements TextSlot {
  constructor(
    readonly text: string,
    private readonly index: number,
    private readonly route: RouteWrites,
  ) {}

  get location(): string {
    return `request.path[${this.index}]`;
  }

  write(text: string): void {
    this.route.segments[this.index] = encodeURIComponent(text);
    this.route.changed = true;
  }
}

/** A forwarded header's name: read, never rewritten (no write). */
export class HeaderNameSlot implements TextSlot {
  constructor(readonly text: string) {}

  get location(): string {
    return `request.header.${this.text}#name`;
  }
}

/**
 * A header of one value: its text is the value read as UTF-8 when its Latin-1 bytes are UTF-8
 * (`utf8`), and a write sets the header itself, as bytes of the same reading.
 */
export class HeaderValueSlot implements TextSlot {
  constructor(
    readonly text: string,
    private readonly name: string,
    private readonly utf8: boolean,
    private readonly headers: HeaderWrites,
  ) {}

  get location(): string {
    return `request.header.${this.name}`;
  }

  write(written: string): void {
    this.headers.forwarded[this.name] = this.utf8 ? Buffer.from(written, "utf8").toString("latin1") : written;
    this.headers.changed = true;
  }
}
