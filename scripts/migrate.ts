// `npm run migrate`: applies prisma/migrations to DATABASE_URL (same bookkeeping as
// `prisma migrate deploy`, without Prisma's native engine).
import { loadConfig } from '../src/config';
import { migrate } from '../src/infra/migrate';
import { ensureDatabase } from '../src/infra/postgres';

async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig();
  if (!DATABASE_URL) throw new Error('DATABASE_URL is required');
  await ensureDatabase(DATABASE_URL);
  const applied = await migrate(DATABASE_URL);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
