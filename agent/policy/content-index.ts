// The content rules of one list of policies (a connection's, in evaluation order) searched
// together, built once per snapshot: every keyword's skeleton in one NeedleSet, every literal
// keyword in another, every pattern that can be (pattern-union.ts) in one union. Per request
// (ContentScan), each view of the prompt is searched once for all of them, on first use: a
// skeleton, joined run or lower text holding no needle answers every keyword policy at once, a
// text the union finds nothing in every pattern policy. Where a needle is present, its keywords
// are tested exactly as before (`occurs`, `occursLiterally`: word starts, digits running on), and
// a pattern the union may match is tried on its own (remembered per text). The answer for each
// policy is ContentRules.test's, and the prompt's views are asked for in the same order.
import { type ContentRules, occursLiterally, type PromptView } from "./content-match.js";
import { CleanJoins, JoinedRun } from "./clean-joins.js";
import { occurs, type Skeleton } from "./keyword-match.js";
import { NeedleSet } from "./needle-set.js";
import { combinable, patternUnion } from "./pattern-union.js";

/** Where one policy's rules sit in the index: the id of each of its words, literals and patterns. */
interface RuleIds {
  words: Int32Array;
  literals: Int32Array;
  patterns: Int32Array;
}

// Distinct values get ids in order of first appearance.
function idOf<T>(ids: Map<T, number>, value: T): number {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, (id = ids.size));
  return id;
}

/** The content rules of `policies` searched together; entry i is policy i's. */
export class ContentIndex {
  readonly entries: readonly (RuleIds | undefined)[];
  readonly words?: NeedleSet;
  readonly literals?: NeedleSet;
  readonly patterns: readonly RegExp[];
  /** Matches a text exactly when one of the patterns `inUnion` marks does. */
  readonly union?: RegExp;
  readonly inUnion: Uint8Array;
  /** Pairs of short texts whose joined reading held none of `words` (clean-joins.ts), learnt from requests. */
  readonly cleanJoins = new CleanJoins();

  constructor(readonly policies: readonly { readonly content?: ContentRules }[]) {
    const words = new Map<string, number>();
    const literals = new Map<string, number>();
    const patterns = new Map<string, number>();
    const expressions: RegExp[] = [];
    this.entries = policies.map(({ content }) => {
      if (!content) return undefined;
      return {
        words: Int32Array.from(content.words, (keyword) => idOf(words, keyword.needle)),
        literals: Int32Array.from(content.literals, (literal) => idOf(literals, literal)),
        patterns: Int32Array.from(content.patterns, (expression) => {
          const id = idOf(patterns, expression.source);
          expressions[id] ??= expression;
          return id;
        }),
      };
    });
    if (words.size > 0) this.words = new NeedleSet([...words.keys()]);
    if (literals.size > 0) this.literals = new NeedleSet([...literals.keys()]);
    this.patterns = expressions;
    this.inUnion = Uint8Array.from(expressions, (expression) => (combinable(expression.source) ? 1 : 0));
    this.union = patternUnion(expressions.filter((_, id) => this.inUnion[id] === 1).map((expression) => expression.source));
    if (!this.union) this.inUnion.fill(0);
  }

  /** The search of `prompt` (one request) against this index. */
  scan(prompt: PromptView): ContentScan {
    return new ContentScan(this, prompt);
  }
}

/** What a set of needles finds in each view of one kind, searched on first use. */
class ViewHits {
  private views?: readonly unknown[];
  /** Per view: the needles present, false when none, undefined until searched. */
  private hits: (Uint8Array | false | undefined)[] = [];

  constructor(private readonly needles: NeedleSet) {}

  /**
   * The needles present in `text`, the view at `at` of `views`; undefined when none is (a joined
   * run that holds none tells its index's clean pairs, clean-joins.ts).
   */
  of(views: readonly unknown[], at: number, text: string): Uint8Array | undefined {
    if (views !== this.views) {
      // Another reading of the views (a joined run rebuilt for a longer reach).
      this.views = views;
      this.hits = [];
    }
    let found = this.hits[at];
    if (found === undefined) {
      this.hits[at] = found = this.needles.present(text) ?? false;
      const view = views[at];
      if (found === false && view instanceof JoinedRun) view.foundNothing();
    }
    return found === false ? undefined : found;
  }
}

const UNKNOWN = 0;
const NO = 1;
const YES = 2;

// Whether the union may match `text`: an expression that throws (its backtracking out of stack) is
// left to the patterns on their own, which then throw or answer as before.
function unionAnswer(union: RegExp, text: string): number {
  try {
    return union.test(text) ? YES : NO;
  } catch {
    return YES;
  }
}

/** One request's search of its prompt against a ContentIndex; `test` answers as the policy's ContentRules.test would. */
export class ContentScan {
  private readonly skeletons?: ViewHits;
  private readonly joined?: ViewHits;
  private readonly lower?: ViewHits;
  private texts?: readonly string[];
  /** Per text: whether the union matches it (UNKNOWN until asked), then each pattern's answer there. */
  private unionAnswers: number[] = [];
  private patternAnswers: Uint8Array[] = [];

  constructor(
    private readonly index: ContentIndex,
    private readonly prompt: PromptView,
  ) {
    if (index.words) {
      this.skeletons = new ViewHits(index.words);
      this.joined = new ViewHits(index.words);
    }
    if (index.literals) this.lower = new ViewHits(index.literals);
  }

  /** Whether policy `at` of the index's list (whose rules are `rules`) matches the prompt. */
  test(at: number, rules: ContentRules): boolean {
    const ids = this.index.entries[at]!;
    const prompt = this.prompt;
    const { words, literals, patterns } = rules;
    if (words.length > 0 && this.wordsIn(prompt.skeletons, this.skeletons!, words, ids.words)) return true;
    if (words.length > 0 && prompt.joined !== undefined && this.wordsIn(prompt.joined(rules.reach, this.index.cleanJoins), this.joined!, words, ids.words)) return true;
    if (literals.length > 0) {
      const views = prompt.lower;
      for (let view = 0; view < views.length; view++) {
        const found = this.lower!.of(views, view, views[view]!);
        if (found === undefined) continue;
        for (let literal = 0; literal < literals.length; literal++) if (found[ids.literals[literal]!] === 1 && occursLiterally(views[view]!, literals[literal]!)) return true;
      }
    }
    for (let pattern = 0; pattern < patterns.length; pattern++) if (this.patternIn(ids.patterns[pattern]!)) return true;
    return false;
  }

  private wordsIn(views: readonly Skeleton[], hits: ViewHits, words: ContentRules["words"], ids: Int32Array): boolean {
    for (let view = 0; view < views.length; view++) {
      const haystack = views[view]!;
      const found = hits.of(views, view, haystack.text);
      if (found === undefined) continue;
      for (let word = 0; word < words.length; word++) if (found[ids[word]!] === 1 && occurs(haystack, words[word]!)) return true;
    }
    return false;
  }

  // Whether pattern `id` matches one of the prompt's texts.
  private patternIn(id: number): boolean {
    const texts = this.prompt.texts;
    if (texts !== this.texts) {
      this.texts = texts;
      this.unionAnswers = [];
      this.patternAnswers = [];
    }
    const { union, inUnion, patterns } = this.index;
    for (let text = 0; text < texts.length; text++) {
      if (inUnion[id] === 1) {
        this.unionAnswers[text] ??= unionAnswer(union!, texts[text]!);
        if (this.unionAnswers[text] === NO) continue;
      }
      const answers = (this.patternAnswers[text] ??= new Uint8Array(patterns.length));
      if (answers[id] === UNKNOWN) answers[id] = patterns[id]!.test(texts[text]!) ? YES : NO;
      if (answers[id] === YES) return true;
    }
    return false;
  }
}
