// The console hides a decision exactly where the API refuses it (control-plane/reviews/review-access.ts).
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CallerSchema } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { Role } from "../../gen/palisade/admin/v1/resources_pb.js";
import { capabilities, isRequester, mayDecide } from "./caller.js";

const signOut = async () => {};
const person = (subject: string, roles: Role[], groups: string[] = [], issuer = "https://idp") =>
  capabilities(create(CallerSchema, { actor: subject, subject, issuer, roles, groups }), signOut);
const review = { requester: { subject: "rita", issuer: "https://idp" }, approvers: ["finance"] };

describe("who the console offers a decision to", () => {
  it("never the requester, admins included; the same subject of another issuer is someone else", () => {
    expect(isRequester(person("rita", [Role.ADMIN]).caller, review.requester)).toBe(true);
    expect(mayDecide(person("rita", [Role.ADMIN]), review)).toBe(false);
    expect(mayDecide(person("rita", [Role.ADMIN], [], "https://other"), review)).toBe(true);
  });

  it("admins, and approvers in one of the policy's groups; not auditors, viewers or other approvers", () => {
    expect(mayDecide(person("ada", [Role.ADMIN]), review)).toBe(true);
    expect(mayDecide(person("fay", [Role.APPROVER], ["finance"]), review)).toBe(true);
    expect(mayDecide(person("april", [Role.APPROVER], ["approvers"]), review)).toBe(false);
    expect(mayDecide(person("audrey", [Role.AUDITOR], ["finance"]), review)).toBe(false);
    expect(mayDecide(person("vic", [Role.VIEWER], ["finance"]), review)).toBe(false);
    // An admin token's session has no subject: it is nobody's requester.
    const token = capabilities(create(CallerSchema, { actor: "admin-token:bootstrap", roles: [Role.ADMIN] }), signOut);
    expect(mayDecide(token, { requester: { subject: "", issuer: "" }, approvers: [] })).toBe(true);
  });

  it("contents only for admins and auditors", () => {
    expect([Role.ADMIN, Role.AUDITOR, Role.APPROVER, Role.VIEWER].map((role) => person("x", [role]).readsContents)).toEqual([true, true, false, false]);
  });
});
