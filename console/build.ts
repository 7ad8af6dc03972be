/**
 * Builds the admin console (static files) with esbuild: `npx tsx console/build.ts <outDir>`.
 * The embedded runtime serves the result at `/`; the CDK console stack uploads it to S3.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

export async function buildConsole(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'src/main.tsx')],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outfile: join(outDir, 'app.js'),
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // The console imports its stylesheet: esbuild writes app.css beside app.js.
    loader: { '.css': 'css' },
    // ECharts checks process.env.NODE_ENV for its dev warnings; production drops them.
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: tsx console/build.ts <outDir>\n');
    process.exit(2);
  }
  await buildConsole(out);
}
