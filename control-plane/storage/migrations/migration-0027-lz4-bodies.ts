// The large values of an exchange compressed with lz4 instead of pglz where the server has it: a
// body or a stream's writes past ~2 KB is compressed on insert (TOAST), and pglz was most of
// PostgreSQL's CPU for such a row (an agent's 40 KB conversation, a stream's 58 KB of writes: ~35 %
// and ~30 % less with lz4; docs/performance.md, issue 13's fourth ingest round). Only values
// written from now on change; nothing is rewritten, and reads take either. A server built without
// lz4 (PGlite) keeps pglz: the statement's "not supported" (SQLSTATE 0A000) is caught.
import { Migration } from "@mikro-orm/migrations";

/** Sets lz4 compression on `exchange`'s bodies and writes, where supported. */
export class Migration0027Lz4Bodies extends Migration {
  override name = "0027-lz4-bodies";

  override up(): void {
    this.addSql(`do $$
begin
  alter table exchange alter column request_body set compression lz4,
    alter column response_body set compression lz4, alter column response_writes set compression lz4;
exception when feature_not_supported then
  null;
end $$`);
  }

  override down(): void {
    this.addSql(`alter table exchange alter column request_body set compression default,
      alter column response_body set compression default, alter column response_writes set compression default`);
  }
}
