// An ORM over a fresh test database of `flavour` that runs migrations on demand (the migration
// tests upgrade a database written by an older schema's code). PGlite in memory lives in its ORM:
// the upgrade and the reads run on that one.
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM as PgliteOrm } from "@mikro-orm/pglite";
import { MikroORM as PostgresOrm } from "@mikro-orm/postgresql";
import { entities } from "../../control-plane/storage/entities.js";
import { migrations } from "../../control-plane/storage/migrations/index.js";
import { testDatabase, type TestFlavour } from "./database.js";

const settings = {
  entities,
  extensions: [Migrator],
  migrations: { migrationsList: migrations, transactional: true, snapshot: false, silent: true },
  allowGlobalContext: false,
  debug: false,
};

/** The test database of `flavour` and an ORM over it (close it with `orm.close(true)`). */
export async function migrationOrm(flavour: TestFlavour) {
  const database = await testDatabase(flavour);
  const orm = database.url ? await PostgresOrm.init({ ...settings, clientUrl: database.url }) : await PgliteOrm.init({ ...settings, dbName: "memory://" });
  return { database, orm };
}
