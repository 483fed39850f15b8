// Webhook URLs are secrets to every reader but an admin. Review and alert webhooks have no signing
// secret: their receivers authenticate the sender by a secret path in the URL (the way chat
// services' incoming webhooks work, docs/webhooks.md), so whoever reads the URL can post as
// Palisade — forge review notifications, alerts or budget warnings to the people who act on them.
// The control plane already logs only a webhook's origin; resources read by a caller without the
// admin role show the URL's origin and `/…` in place of its path and query. Every field named
// `webhook` and a webhook sink's `url`, at any depth of any resource kind, found by reflection so
// that a kind added later is covered too.
import { type DescField, type DescMessage, type MessageShape, ScalarType, clone } from "@bufbuild/protobuf";
import { type ReflectList, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";

/** What a reader below admin sees of a webhook URL: its origin, the rest replaced by `/…`. */
export function redactedWebhookUrl(url: string): string {
  if (url === "") return "";
  return URL.canParse(url) ? `${new URL(url).origin}/…` : "…";
}

/** Whether `field` holds a webhook URL. */
function isWebhookUrl(field: DescField): boolean {
  if (field.fieldKind !== "scalar" || field.scalar !== ScalarType.STRING) return false;
  return field.name === "webhook" || (field.name === "url" && field.parent.typeName === "palisade.admin.v1.WebhookSinkTarget");
}

function redactIn(message: ReflectMessage): void {
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    if (isWebhookUrl(field)) message.set(field, redactedWebhookUrl(message.get(field) as string));
    else if (field.fieldKind === "message") redactIn(message.get(field) as ReflectMessage);
    else if (field.fieldKind === "list" && field.listKind === "message") {
      for (const item of message.get(field) as ReflectList) redactIn(item as ReflectMessage);
    }
  }
}

/** A copy of `message` (any admin API answer) with every webhook URL in it redacted. */
export function withWebhookUrlsRedacted<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): MessageShape<Desc> {
  const copy = clone(schema, message);
  redactIn(reflect(schema, copy));
  return copy;
}
