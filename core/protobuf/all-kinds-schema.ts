// Test support: a proto3 message with every scalar type as a plain (implicit presence), an
// optional, a repeated (packed) and a oneof field, plus an enum and a message that nests itself,
// built as a descriptor at run time. Palisade's own schemas use only some of these kinds; the
// encoder's tests still reach all of them.
import { create, createFileRegistry, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label, FieldDescriptorProto_Type as Type, FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

const scalars = Object.values(ScalarType).filter((value): value is ScalarType => typeof value === "number");

function allKindsFile() {
  const fields: object[] = [];
  const oneofs: { name: string }[] = [{ name: "choice" }];
  let number = 1;
  for (const type of scalars) {
    const name = ScalarType[type].toLowerCase();
    fields.push({ name: `plain_${name}`, number: number++, type, label: Label.OPTIONAL, jsonName: `plain${name}` });
    // proto3 `optional`: a synthetic oneof of its own.
    oneofs.push({ name: `_maybe_${name}` });
    fields.push({ name: `maybe_${name}`, number: number++, type, label: Label.OPTIONAL, proto3Optional: true, oneofIndex: oneofs.length - 1 });
    fields.push({ name: `many_${name}`, number: number++, type, label: Label.REPEATED });
    fields.push({ name: `one_${name}`, number: number++, type, label: Label.OPTIONAL, oneofIndex: 0 });
  }
  const self = ".palisade.test.AllKinds";
  fields.push(
    { name: "colour", number: number++, type: Type.ENUM, typeName: ".palisade.test.Colour", label: Label.OPTIONAL },
    { name: "colours", number: number++, type: Type.ENUM, typeName: ".palisade.test.Colour", label: Label.REPEATED },
    { name: "child", number: number++, type: Type.MESSAGE, typeName: self, label: Label.OPTIONAL },
    { name: "children", number: number++, type: Type.MESSAGE, typeName: self, label: Label.REPEATED },
    { name: "one_child", number: number++, type: Type.MESSAGE, typeName: self, label: Label.OPTIONAL, oneofIndex: 0 },
    // A field number past 15 and past 2047: two- and three-byte tags.
    { name: "far", number: 3000, type: Type.STRING, label: Label.OPTIONAL },
  );
  return create(FileDescriptorProtoSchema, {
    name: "palisade/test/all_kinds.proto",
    package: "palisade.test",
    syntax: "proto3",
    messageType: [{ name: "AllKinds", field: fields, oneofDecl: oneofs }],
    enumType: [{ name: "Colour", value: [{ name: "COLOUR_UNSPECIFIED", number: 0 }, { name: "COLOUR_RED", number: 1 }, { name: "COLOUR_BLUE", number: 7 }] }],
  });
}

/** The AllKinds message type. */
export function allKindsSchema(): DescMessage {
  const schema = createFileRegistry(allKindsFile(), () => undefined).getMessage("palisade.test.AllKinds");
  if (!schema) throw new Error("AllKinds did not build");
  return schema;
}
