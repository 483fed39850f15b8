// Model prices (control-plane/budgets/): one row per price; a model (or prefix) has at most one.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import { Kind, type ModelPrice, ModelPriceSchema } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { ModelPriceRow } from "../budget-entities.js";
import { InvalidResourceError, type ResourceKind } from "./resource-kind.js";
import { rowKind } from "./row-kind.js";

type Row = InferEntity<typeof ModelPriceRow>;

function toMessage(row: Row): ModelPrice {
  return create(ModelPriceSchema, {
    name: row.name, model: row.model, inputPerMillion: Number(row.inputPerMillion), outputPerMillion: Number(row.outputPerMillion),
    cachedInputPerMillion: Number(row.cachedInputPerMillion), description: row.description,
    createTime: timestampFromDate(row.createdAt), updateTime: timestampFromDate(row.updatedAt),
  });
}

const stored = rowKind({
  kind: Kind.MODEL_PRICE,
  label: "model price",
  entity: ModelPriceRow,
  toMessage,
  columns: (message: ModelPrice) => ({
    model: message.model, inputPerMillion: message.inputPerMillion, outputPerMillion: message.outputPerMillion,
    cachedInputPerMillion: message.cachedInputPerMillion, description: message.description,
  }),
  same: (row, wanted) => row.model === wanted.model && Number(row.inputPerMillion) === wanted.inputPerMillion
    && Number(row.outputPerMillion) === wanted.outputPerMillion && Number(row.cachedInputPerMillion) === wanted.cachedInputPerMillion
    && row.description === wanted.description,
});

/** Storage of ModelPrice resources; a second price for the same model is refused. */
export const modelPrices: ResourceKind<ModelPrice> = {
  ...stored,
  async apply(tx, message, now) {
    const other = await tx.findOne(ModelPriceRow, { model: message.model, name: { $ne: message.name } });
    if (other) throw new InvalidResourceError(`model price "${message.name}": model "${message.model}" already has price "${other.name}"`);
    return stored.apply(tx, message, now);
  },
};
