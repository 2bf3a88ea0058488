// Jest setupFiles (every test file, in its worker): the database of this jest worker, a copy
// of the run's migrated database that test/global-setup.ts made for it. Files of one worker
// run one after the other, as with --runInBand; files of two workers never share rows.
const run = process.env.TEST_RUN_DATABASE_URL;
const worker = process.env.JEST_WORKER_ID;
if (run && worker) {
  const own = new URL(run);
  own.pathname = `${own.pathname}_w${worker}`;
  process.env.DATABASE_URL = own.toString();
}
