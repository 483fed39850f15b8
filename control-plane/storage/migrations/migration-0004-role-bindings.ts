// Role bindings: which groups or subjects hold which admin-API role.
import { Migration } from "@mikro-orm/migrations";

/** Creates the `role_binding` table. */
export class Migration0004RoleBindings extends Migration {
  override name = "0004-role-bindings";

  override up(): void {
    this.addSql(`create table role_binding (
      name text primary key,
      role text not null,
      groups jsonb not null default '[]',
      subjects jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
  }

  override down(): void {
    this.addSql("drop table if exists role_binding");
  }
}
