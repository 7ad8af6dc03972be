/**
 * The one zod the product's schemas are written with: `zod/mini` (the functional API over zod's
 * core, about 19 KB in a bundle against classic zod's 90 KB, which every Lambda carried), with
 * English messages configured once, the same messages classic zod gives by default. The OpenAPI
 * document is generated from these schemas (functions/api/openapi.ts), so they stay its single
 * source. Tools that never reach a Lambda (the CDK app, scripts) may keep classic zod.
 *
 * Import it as a namespace (`import * as z from '../shared/zod'`): the bundler keeps only the
 * members a function uses. Re-exporting a namespace object instead would keep all of zod/mini,
 * every locale and the JSON Schema generator in every bundle.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
