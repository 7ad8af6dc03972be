/**
 * The one zod the product's schemas are written with: `zod/mini` (the functional API over zod's
 * core, about 19 KB in a bundle against classic zod's 90 KB, which every Lambda carried), with
 * English messages configured once, the same messages classic zod gives by default. The OpenAPI
 * document is generated from these schemas (functions/api/openapi.ts), so they stay its single
 * source. Tools that never reach a Lambda (the CDK app, scripts) may keep classic zod.
 */

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export { z };
