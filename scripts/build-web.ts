// `npm run build:web`: the browser bundles into dist/web/ (the API builds them in memory
// otherwise) and their gzipped sizes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLES, buildBundle, WEB_DIST, type BundleName } from '../api/web/bundles';

void (async () => {
  mkdirSync(WEB_DIST, { recursive: true });
  for (const name of Object.keys(BUNDLES) as BundleName[]) {
    const bundle = await buildBundle(name);
    writeFileSync(path.join(WEB_DIST, `${name}.js`), bundle.code);
    console.log(
      `${name}.js: ${(bundle.code.length / 1024).toFixed(1)} KB, ${(bundle.gzipBytes / 1024).toFixed(1)} KB gzipped`,
    );
  }
})().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
