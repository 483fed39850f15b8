// `palisade review list|show|approve|deny`: requests held by review policies, and their decisions.
import type { Command } from "commander";
import { type Review, ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { withAdmin } from "../admin.js";
import type { AdminClients } from "../client.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, renderOne, type OutputFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";
import { renderReviewText, REVIEW_COLUMNS, reviewView } from "./review-view.js";

interface ListFlags extends AdminFlags {
  state?: string;
  limit: string;
  output: OutputFormat;
}

interface ShowFlags extends AdminFlags {
  output: OutputFormat;
}

interface DecideFlags extends ShowFlags {
  reason?: string;
}

const MAX_PAGE = 1000;
const STATES: Record<string, ReviewState> = {
  pending: ReviewState.PENDING,
  approved: ReviewState.APPROVED,
  denied: ReviewState.DENIED,
  expired: ReviewState.EXPIRED,
};

/** Registers `review list`, `review show`, `review approve` and `review deny`. */
export function registerReview(program: Command, ctx: CliContext): void {
  const review = program.command("review").description("list and decide requests held for review");
  withAdminOptions(
    review
      .command("list")
      .description("list reviews, newest first")
      .option("--state <state>", `only reviews in this state (${Object.keys(STATES).join(", ")})`)
      .option("--limit <n>", "at most this many reviews", "50")
      .addOption(outputOption("table")),
  ).action(async (flags: ListFlags) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, not "${flags.limit}"`);
    const state = flags.state === undefined ? ReviewState.UNSPECIFIED : STATES[flags.state];
    if (state === undefined) throw new CliError(`--state must be one of ${Object.keys(STATES).join(", ")}, not "${flags.state}"`);
    const reviews = await withAdmin(ctx, flags, (admin) => listReviews(admin, state, limit));
    if (reviews.length === 0 && flags.output === "table") ctx.err("No reviews found.\n");
    ctx.out(renderList(flags.output, reviews.map(reviewView), REVIEW_COLUMNS));
  });
  withAdminOptions(
    review
      .command("show")
      .description("show one review: requester, policy, the prompt as masked by the agent, the decision")
      .argument("<id>", "review id (in the 403 the caller got)")
      .addOption(outputOption("table")),
  ).action(async (id: string, flags: ShowFlags) => {
    const { review: found } = await withAdmin(ctx, flags, (admin) => admin.reviews.getReview({ id }));
    print(ctx, found, flags.output);
  });
  withAdminOptions(
    review
      .command("approve")
      .description("approve a pending review: the held request goes on, and the same request passes until the grant ends")
      .argument("<id>", "review id")
      .option("--reason <text>", "why (recorded)")
      .addOption(outputOption("table")),
  ).action(async (id: string, flags: DecideFlags) => {
    const { review: decided } = await withAdmin(ctx, flags, (admin) => admin.reviews.approveReview({ id, reason: flags.reason ?? "" }));
    print(ctx, decided, flags.output);
  });
  withAdminOptions(
    review
      .command("deny")
      .description("deny a pending review: the caller gets 403 with the reason")
      .argument("<id>", "review id")
      .requiredOption("--reason <text>", "why (shown to the caller)")
      .addOption(outputOption("table")),
  ).action(async (id: string, flags: DecideFlags) => {
    const { review: decided } = await withAdmin(ctx, flags, (admin) => admin.reviews.denyReview({ id, reason: flags.reason ?? "" }));
    print(ctx, decided, flags.output);
  });
}

function print(ctx: CliContext, review: Review | undefined, output: OutputFormat): void {
  if (review === undefined) throw new CliError("the control plane answered without the review");
  const view = reviewView(review);
  ctx.out(output === "table" ? renderReviewText(view) : renderOne(output, view));
}

/** Pages through ListReviews until `limit` reviews or the last page. */
async function listReviews(admin: AdminClients, state: ReviewState, limit: number): Promise<Review[]> {
  const reviews: Review[] = [];
  let pageToken = "";
  do {
    const page = await admin.reviews.listReviews({ state, pageSize: Math.min(limit - reviews.length, MAX_PAGE), pageToken });
    reviews.push(...page.reviews);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && reviews.length < limit);
  return reviews.slice(0, limit);
}
