// Runs one SQL query with DuckDB, as users would over an archive of bundles, and prints the rows as JSON.
// Usage: node query.mjs "SELECT ..."
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll(process.argv[2]);
process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));
