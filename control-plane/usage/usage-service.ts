// palisade.admin.v1.UsageService: thin transport over the usage sums.
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { UsageDimension, type UsageRow, UsageRowSchema, type UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import type { Database } from "../storage/database.js";
import { sumUsage, type UsageField, type UsageSums } from "./usage-store.js";

const DAY_MS = 86_400_000;
const FIELDS = new Map<UsageDimension, UsageField>([
  [UsageDimension.SUBJECT, "subject"], [UsageDimension.CONNECTION, "connection"], [UsageDimension.MODEL, "model"],
]);

function toRow(sums: UsageSums): UsageRow {
  return create(UsageRowSchema, sums);
}

/** The UsageService implementation over `db`. */
export function createUsageService(db: Pick<Database, "em">): ServiceImpl<typeof UsageService> {
  return {
    async getUsage(request) {
      // The contract has refused unknown and repeated dimensions, and a since not before until.
      const groupBy: UsageField[] = request.groupBy.map((dimension) => FIELDS.get(dimension)!);
      if (groupBy.length === 0) groupBy.push("subject");
      const until = request.until ? timestampDate(request.until) : new Date();
      const since = request.since ? timestampDate(request.since) : new Date(until.getTime() - DAY_MS);
      const { rows, total } = await sumUsage(db.em(), {
        groupBy, since, until, subject: request.subject, connection: request.connection, model: request.model,
      });
      return { rows: rows.map(toRow), total: toRow(total), since: timestampFromDate(since), until: timestampFromDate(until) };
    },
  };
}
