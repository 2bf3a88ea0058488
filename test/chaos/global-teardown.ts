export default async function globalTeardown(): Promise<void> {
  await globalThis.__CHAOS_POSTGRES__?.stop();
}
