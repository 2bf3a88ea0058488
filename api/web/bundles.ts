// #13: the browser bundles (widget, desk, visitor page, desk voice) are built from web/ with
// esbuild, once per process on first use, and kept in memory; `npm run build:web` writes the
// same files to dist/web/, which are served instead when present (production images).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const WEB_ROOT = path.resolve(__dirname, '..', '..', 'web');
export const WEB_DIST = path.resolve(__dirname, '..', '..', 'dist', 'web');

export const BUNDLES = {
  widget: 'widget/main.tsx',
  desk: 'desk/main.tsx',
  visit: 'visit/main.tsx',
  /** @twilio/voice-sdk, loaded by the desk only when Twilio is configured. */
  voice: 'desk/voice.ts',
} as const;

export type BundleName = keyof typeof BUNDLES;

export interface Bundle {
  code: string;
  gzipBytes: number;
}

export async function buildBundle(name: BundleName): Promise<Bundle> {
  const result = await build({
    entryPoints: [path.join(WEB_ROOT, BUNDLES[name])],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, gzipBytes: gzipSync(code).length };
}

/** Memoised per process (prebuilt files from dist/web only in production, so edits show in dev): the first request builds (≈0.1–1 s), later ones are served from memory. */
export function createBundleCache(options: { usePrebuilt: boolean }) {
  const cache = new Map<BundleName, Promise<Bundle>>();
  return (name: BundleName): Promise<Bundle> => {
    let entry = cache.get(name);
    if (!entry) {
      const prebuilt = path.join(WEB_DIST, `${name}.js`);
      entry =
        options.usePrebuilt && existsSync(prebuilt)
          ? Promise.resolve(readFileSync(prebuilt, 'utf8')).then((code) => ({ code, gzipBytes: gzipSync(code).length }))
          : buildBundle(name);
      // A failed build is retried on the next request rather than cached.
      entry.catch(() => cache.delete(name));
      cache.set(name, entry);
    }
    return entry;
  };
}
