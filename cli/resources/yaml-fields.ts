// Typed reads of one YAML mapping; every mistake is reported with the line it is on.
import { isMap, isNode, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";

/** A resource file mistake, located by document (1-based, in file order) and line. */
export class ResourceFileError extends Error {
  constructor(
    readonly document: number,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`document ${document} (line ${line}): ${detail}`);
    this.name = "ResourceFileError";
  }
}

/** Reads fields of one mapping node. */
export class MappingFields {
  private readonly pairs = new Map<string, Pair<Node, Node | null>>();

  constructor(
    private readonly map: YAMLMap<Node, Node | null>,
    private readonly document: number,
    private readonly lines: LineCounter,
    /** Prefix for messages, such as `Connection "openai"`; empty for none. */
    private context: string,
  ) {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== "string") throw this.error(pair.key, "field names must be strings");
      this.pairs.set(key, pair);
    }
  }

  /** Sets the message prefix once the resource's name is known. */
  describe(context: string): void {
    this.context = context;
  }

  /** A string field; undefined when absent and not required. */
  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    const node = this.take(key, required);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== "string") throw this.error(node, `${key} must be a string`);
    return node.value;
  }

  /** A whole number between `min` and `max`; undefined when absent. */
  integer(key: string, min: number, max: number): number | undefined {
    const node = this.take(key, false);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== "number" || !Number.isInteger(node.value))
      throw this.error(node, `${key} must be a whole number`);
    if (node.value < min || node.value > max) throw this.error(node, `${key} must be between ${min} and ${max}`);
    return node.value;
  }

  /** A boolean; undefined when absent. */
  boolean(key: string): boolean | undefined {
    const node = this.take(key, false);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== "boolean") throw this.error(node, `${key} must be true or false`);
    return node.value;
  }

  /** A number (fractions allowed) between `min` and `max`; undefined when absent. */
  number(key: string, min: number, max: number): number | undefined {
    const node = this.take(key, false);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== "number" || !Number.isFinite(node.value)) throw this.error(node, `${key} must be a number`);
    if (node.value < min || node.value > max) throw this.error(node, `${key} must be between ${min} and ${max}`);
    return node.value;
  }

  /** A list of whole numbers each between `min` and `max`; empty when absent. */
  integers(key: string, min: number, max: number): number[] {
    const node = this.take(key, false);
    if (node === undefined) return [];
    if (!isSeq(node)) throw this.error(node, `${key} must be a list of whole numbers`);
    return node.items.map((item) => {
      const value = isScalar(item) ? item.value : undefined;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
        throw this.error(isNode(item) ? item : node, `${key} must be a list of whole numbers between ${min} and ${max}`);
      return value;
    });
  }

  /** A list of strings; empty when absent. */
  strings(key: string): string[] {
    const node = this.take(key, false);
    if (node === undefined) return [];
    if (!isSeq(node)) throw this.error(node, `${key} must be a list of strings`);
    return node.items.map((item) => {
      if (!isScalar(item) || typeof item.value !== "string")
        throw this.error(isNode(item) ? item : node, `${key} must be a list of strings`);
      return item.value;
    });
  }

  /** A nested mapping, read with its own fields; undefined when absent. */
  mapping(key: string): MappingFields | undefined {
    const node = this.take(key, false);
    if (node === undefined) return undefined;
    if (!isMap<Node, Node | null>(node)) throw this.error(node, `${key} must be a mapping`);
    return new MappingFields(node, this.document, this.lines, `${this.context}: ${key}`);
  }

  /** Fails at the first field neither `known` nor silently `ignored`, before any value is read. */
  only(known: readonly string[], ignored: readonly string[] = []): void {
    for (const [key, pair] of this.pairs) {
      if (!known.includes(key) && !ignored.includes(key))
        throw this.error(pair.key, `unknown field "${key}" (known fields: ${known.join(", ")})`);
    }
  }

  /** An error located at a key's value (or the mapping when the key is absent). */
  errorAt(key: string, detail: string): ResourceFileError {
    return this.error(this.pairs.get(key)?.value ?? undefined, detail);
  }

  /** An error located at a node, or at the mapping when the node has no position. */
  error(node: Node | null | undefined, detail: string): ResourceFileError {
    const offset = node?.range?.[0] ?? this.map.range?.[0] ?? 0;
    return new ResourceFileError(
      this.document,
      this.lines.linePos(offset).line,
      this.context === "" ? detail : `${this.context}: ${detail}`,
    );
  }

  private take(key: string, required: boolean): Node | undefined {
    const pair = this.pairs.get(key);
    const value = pair?.value ?? undefined;
    if (value === undefined || (isScalar(value) && value.value === null)) {
      if (required) throw this.error(pair?.key ?? this.map, `missing field "${key}"`);
      return undefined;
    }
    return value;
  }
}
