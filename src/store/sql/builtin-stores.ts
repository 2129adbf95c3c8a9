/**
 * Cairn's SQL tracking and registry stores, registered as `trackingStore` / `registryStore`
 * extensions like a plugin's stores. They open the URIs of every database driver (SQLite,
 * PostgreSQL, MySQL/MariaDB and drivers from plugins) and upgrade the schema on open.
 */
import { EXTENSION_API_VERSIONS } from '../../version.js';
import { registerBuiltinSqlStores } from '../store-registry.js';
import { upgradeSchema } from './migrations.js';
import { openDatabase } from './open-database.js';
import { SqlRegistryStore } from './sql-registry-store.js';
import { SqlTrackingStore } from './sql-tracking-store.js';

const BUILTIN_SCHEMES = ['sqlite', 'postgresql', 'postgres', 'mysql', 'mariadb'];

registerBuiltinSqlStores(
  {
    apiVersion: EXTENSION_API_VERSIONS.trackingStore,
    name: 'sql',
    schemes: BUILTIN_SCHEMES,
    open: async (uri, options) => {
      const database = openDatabase(uri, { poolSize: options.poolSize });
      try {
        await upgradeSchema(database);
      } catch (err) {
        await database.close().catch(() => undefined);
        throw err;
      }
      return {
        store: new SqlTrackingStore(database, { defaultArtifactRoot: options.defaultArtifactRoot }),
        database,
      };
    },
  },
  {
    apiVersion: EXTENSION_API_VERSIONS.registryStore,
    name: 'sql',
    schemes: BUILTIN_SCHEMES,
    open: async (uri, options) => {
      // One database (and pool) for both stores when they share a URI.
      const shared = options.sameUriAs?.database;
      const database = shared ?? openDatabase(uri, { poolSize: options.poolSize });
      if (!shared) {
        try {
          await upgradeSchema(database);
        } catch (err) {
          await database.close().catch(() => undefined);
          throw err;
        }
      }
      return { store: new SqlRegistryStore(database), database };
    },
  },
);

export { openRegistryStore, openTrackingStore } from '../store-registry.js';
