// Rotation of the audit checkpoint key (docs/audit-log.md "Rotating the checkpoint key"): each key
// signs the checkpoints of a range of seqs, from `valid_from_seq` to `retired_seq` (open while current).
import { Migration } from "@mikro-orm/migrations";

/** Adds `audit_signing_key.valid_from_seq` (1 for keys stored before), `retired_seq` and `retired_at`. */
export class Migration0015AuditKeyRotation extends Migration {
  override name = "0015-audit-key-rotation";

  override up(): void {
    this.addSql("alter table audit_signing_key add column valid_from_seq bigint not null default 1");
    this.addSql("alter table audit_signing_key add column retired_seq bigint");
    this.addSql("alter table audit_signing_key add column retired_at timestamptz");
  }

  override down(): void {
    for (const column of ["retired_at", "retired_seq", "valid_from_seq"]) {
      this.addSql(`alter table audit_signing_key drop column if exists ${column}`);
    }
  }
}
