import { create, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FieldRulesSchema } from "../../gen/buf/validate/validate_pb.js";
import { ConnectRequestSchema, ConnectResponseSchema } from "../../gen/palisade/agent/v1/agent_pb.js";
import { file_palisade_agent_v1_exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { allKindsSchema } from "./all-kinds-schema.js";
import { arbitraryMessage } from "./arbitrary-message.js";
import { compiledEncoder } from "./compiled-encoder.js";
import { zeroMessage } from "./zero-message.js";

const schemas: DescMessage[] = [
  ...file_palisade_agent_v1_exchange.messages, ConnectRequestSchema, ConnectResponseSchema, allKindsSchema(),
  FieldRulesSchema, FileDescriptorProtoSchema, // proto2: defaults on a prototype
];

/** Own properties in order, with each value's identity where it is an object. */
const layout = (message: object) => Object.entries(message).map(([key, value]) => [key, typeof value === "object" && value !== null ? JSON.stringify(value) : value]);

describe("zeroMessage", () => {
  for (const schema of schemas) {
    it(`makes create(${schema.typeName})'s zero value: same own properties, order, values and prototype`, () => {
      const fresh = zeroMessage(schema);
      const made = fresh();
      const reference = create(schema);
      expect(made).toStrictEqual(reference);
      expect(layout(made)).toEqual(layout(reference));
      expect(Object.getPrototypeOf(made)).toBe(Object.getPrototypeOf(reference));
    });
  }

  it("makes every list, map and oneof afresh (two messages never share one)", () => {
    for (const schema of schemas) {
      const fresh = zeroMessage(schema);
      const [one, two] = [fresh() as Record<string, unknown>, fresh() as Record<string, unknown>];
      const reference = create(schema) as Record<string, unknown>;
      for (const key of Object.keys(one)) {
        if (typeof one[key] !== "object" || one[key] === null) continue;
        // create shares only its constants (a bytes field's empty array): so do we.
        const shared = reference[key] === (create(schema) as Record<string, unknown>)[key];
        expect(one[key] === two[key], `${schema.typeName}.${key}`).toBe(shared);
      }
    }
  });

  it("filled with a message's fields, is that message, and encodes to its bytes", () => {
    for (const schema of [file_palisade_agent_v1_exchange.messages[0]!, allKindsSchema()]) {
      const fresh = zeroMessage(schema);
      const encode = compiledEncoder(schema);
      fc.assert(
        fc.property(arbitraryMessage(schema, { depth: 2 }), (message) => {
          const filled = fresh() as Record<string, unknown>;
          for (const [key, value] of Object.entries(message)) filled[key] = value;
          expect(filled).toStrictEqual(message);
          expect(Buffer.from(encode(filled as never)).equals(Buffer.from(encode(message as never)))).toBe(true);
        }),
        { numRuns: 30 },
      );
    }
  });
});
