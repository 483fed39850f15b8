// Where a policy's keywords may be found relative to the words of the text (docs/policies.md).
import { Migration } from "@mikro-orm/migrations";

/** Adds `policy.keyword_match`: "word", "prefix", "substring" or "" (auto). */
export class Migration0024KeywordMatch extends Migration {
  override name = "0024-keyword-match";

  override up(): void {
    this.addSql("alter table policy add column keyword_match text not null default ''");
  }

  override down(): void {
    this.addSql("alter table policy drop column if exists keyword_match");
  }
}
