// Console links and sessions made with an admin token are bound to that token, not to its name:
// `admin_token_hash` holds the token's stored hash when the link or session was made, and the
// session holds the admin role only while the token of that name still has that hash. Replacing
// the token (PALISADE_ADMIN_TOKEN set to a new value) — how a leaked one is cut off — then ends
// every console session and link made with the old one. Rows from before have no hash: they end
// (whoever holds one signs in again).
import { Migration } from "@mikro-orm/migrations";

/** Adds `admin_token_hash` to `console_link` and `console_session`. */
export class Migration0031ConsoleTokenBinding extends Migration {
  override name = "0031-console-token-binding";

  override up(): void {
    this.addSql("alter table console_link add column admin_token_hash text not null default ''");
    this.addSql("alter table console_session add column admin_token_hash text not null default ''");
  }

  override down(): void {
    this.addSql("alter table console_session drop column if exists admin_token_hash");
    this.addSql("alter table console_link drop column if exists admin_token_hash");
  }
}
