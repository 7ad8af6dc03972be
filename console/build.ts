/**
 * Builds the admin console (static files) with esbuild: `npx tsx console/build.ts <outDir>`.
 * The embedded runtime serves the result at `/`; the CDK console stack uploads it to S3.
 *
 * Built for slow lines: ESM code-split by view (the rankings chunk alone carries ECharts),
 * content-hashed names (cached for good), index.html carrying the page shell and preloading the
 * entry, and every text file written pre-compressed beside itself (`.br`, `.gz`) for the
 * embedded server; CloudFront compresses on its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
// Source maps are fetched only by a developer's tools: compressing them would cost most of the
// start-up time of `npm start` for nobody on a slow line.
const compressible = /\.(js|css|html|svg|json|txt)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A fingerprint of everything the build reads: the console's sources and the locked packages. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(here).sort()) hash.update(file).update(readFileSync(file));
  hash.update(readFileSync(join(here, '..', 'package-lock.json')));
  return hash.digest('hex');
}

/**
 * Build into `outDir`, unless it already holds the build of these very sources (a restart of
 * `npm start` then costs nothing: compressing the assets is the slow part).
 */
export async function buildConsole(outDir: string): Promise<void> {
  const stamp = join(outDir, '.source-hash');
  const hash = sourceHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(join(outDir, 'index.html')))
    return;
  await buildFresh(outDir);
  writeFileSync(stamp, hash);
}

async function buildFresh(outDir: string): Promise<void> {
  rmSync(join(outDir, 'assets'), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'src/main.tsx') },
    bundle: true,
    splitting: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    publicPath: '/assets',
    metafile: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // The console imports its stylesheet: esbuild writes the CSS beside the entry.
    loader: { '.css': 'css' },
    // ECharts checks process.env.NODE_ENV for its dev warnings; production drops them.
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry =
    outputs.find(([, o]) => o.entryPoint?.endsWith('main.tsx') && o.cssBundle !== undefined) ??
    outputs.find(([, o]) => o.entryPoint?.endsWith('main.tsx'));
  if (!entry) throw new Error('console build: no entry output');
  const [entryFile, entryOut] = entry;
  const url = (file: string) => `/${relative(outDir, file).split('\\').join('/')}`;
  const js = url(entryFile);
  const css = entryOut.cssBundle ? url(entryOut.cssBundle) : undefined;
  // The entry's static imports load with it: preload them so they come in parallel.
  const preloads = entryOut.imports.filter((i) => i.kind === 'import-statement').map((i) => url(i.path));
  const html = readFileSync(join(here, 'index.html'), 'utf8')
    .replace('<!--styles-->', css ? `<link rel="stylesheet" href="${css}" />` : '')
    .replace(
      '<!--scripts-->',
      [
        ...preloads.map((p) => `<link rel="modulepreload" href="${p}" />`),
        `<script type="module" src="${js}"></script>`,
      ].join('\n    '),
    );
  writeFileSync(join(outDir, 'index.html'), html);
  for (const file of filesUnder(outDir)) {
    if (!compressible.test(file)) continue;
    const bytes = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: tsx console/build.ts <outDir>\n');
    process.exit(2);
  }
  await buildConsole(out);
}
