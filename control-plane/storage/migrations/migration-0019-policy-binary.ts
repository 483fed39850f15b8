// Whether a policy lets binary parts of a request (images, audio, files) pass uninspected (docs/security.md).
import { Migration } from "@mikro-orm/migrations";

/** Adds `policy.allow_binary` (false: a request with a binary part is refused where the policy applies). */
export class Migration0019PolicyBinary extends Migration {
  override name = "0019-policy-binary";

  override up(): void {
    this.addSql("alter table policy add column allow_binary boolean not null default false");
  }

  override down(): void {
    this.addSql("alter table policy drop column if exists allow_binary");
  }
}
