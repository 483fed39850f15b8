// Encryption at rest: columns for sealed (AES-256-GCM) credentials and private keys, and a check
// value per key. The migration cannot know the key, so it only makes room: moving plaintext into
// the sealed columns is done by the control plane right after migrating (crypto/stored-secrets.ts).
import { Migration } from "@mikro-orm/migrations";

/** Adds `connection.credential_sealed`, `signing_key.private_jwk_sealed` and `secret_key_check`. */
export class Migration0005Encryption extends Migration {
  override name = "0005-encryption";

  override up(): void {
    this.addSql("alter table connection add column credential_sealed text");
    this.addSql("alter table signing_key add column private_jwk_sealed text");
    this.addSql("alter table signing_key alter column private_jwk drop not null");
    // One row per key that has sealed values here: a start with another key is refused at once,
    // instead of failing later on the first credential it cannot open.
    this.addSql(`create table secret_key_check (
      key_id text primary key,
      sealed text not null,
      created_at timestamptz not null default now())`);
  }

  override down(): void {
    this.addSql("drop table if exists secret_key_check");
    this.addSql("alter table signing_key drop column if exists private_jwk_sealed");
    this.addSql("alter table connection drop column if exists credential_sealed");
  }
}
