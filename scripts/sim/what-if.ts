/**
 * Policy what-ifs: a change to the SLA policies or the duty list, applied as a new configuration
 * version before the same workload is replayed. Given as a preset name or a JSON file:
 *
 *   { "name": "general-resolve-7", "description": "...",
 *     "slaPolicies": { "general": { "resolve": { "workingDays": 7 } } },
 *     "dutyItems": { "di-ebike-corridor-charging": { "kind": "retracted", "leadUnitId": "u-xfjy" } } }
 */
import { readFileSync } from 'node:fs';
import { type ConfigSnapshot, dutyItemSchema, slaClasses, slaPolicySchema } from '../../shared/domain/model';
import * as z from '../../shared/zod';

export const whatIfSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes')),
  description: z.optional(z.string().check(z.maxLength(300))),
  slaPolicies: z.optional(
    z.partialRecord(z.enum(slaClasses), z.partial(z.omit(slaPolicySchema, { slaClass: true }))),
  ),
  dutyItems: z.optional(z.record(z.string(), z.partial(z.omit(dutyItemSchema, { id: true })))),
});
export type WhatIf = z.infer<typeof whatIfSchema>;

export const whatIfPresets: Record<string, WhatIf> = {
  'general-resolve-7': {
    name: 'general-resolve-7',
    description: 'General tickets get 7 working days to resolve instead of 5.',
    slaPolicies: { general: { resolve: { workingDays: 7 } } },
  },
  'complex-resolve-10': {
    name: 'complex-resolve-10',
    description: 'Complex tickets get 10 working days to resolve instead of 15.',
    slaPolicies: { complex: { resolve: { workingDays: 10 } } },
  },
  'ack-2-days': {
    name: 'ack-2-days',
    description: 'General and complex tickets get 2 working days to acknowledge instead of 1.',
    slaPolicies: {
      general: { acknowledge: { workingDays: 2 } },
      complex: { acknowledge: { workingDays: 2 } },
    },
  },
  'ebike-to-fire-brigade': {
    name: 'ebike-to-fire-brigade',
    description:
      'E-bike charging in corridors becomes a retracted item led by the fire brigade (消防救援大队).',
    dutyItems: {
      'di-ebike-corridor-charging': {
        kind: 'retracted',
        leadUnitId: 'u-xfjy',
        coUnitIds: [],
        coFunctions: [],
      },
    },
  },
};

/** A preset name, or the path of a JSON file in the shape above. */
export function loadWhatIf(spec: string): WhatIf {
  const preset = whatIfPresets[spec];
  if (preset) return preset;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (err) {
    throw new Error(
      `--what-if ${spec}: neither a preset (${Object.keys(whatIfPresets).join(', ')}) nor a readable JSON file (${(err as Error).message})`,
    );
  }
  const parsed = whatIfSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`--what-if ${spec}: ${issues}`);
  }
  // Keep only what the file says: the schema's defaults (warnAt, maxReopens) must not overwrite.
  const given = raw as Record<
    'slaPolicies' | 'dutyItems',
    Record<string, Record<string, unknown>> | undefined
  >;
  for (const section of ['slaPolicies', 'dutyItems'] as const) {
    for (const [key, patch] of Object.entries(parsed.data[section] ?? {})) {
      const keys = Object.keys(given[section]?.[key] ?? {});
      for (const k of Object.keys(patch)) if (!keys.includes(k)) delete (patch as Record<string, unknown>)[k];
    }
  }
  return parsed.data;
}

/** The configuration with the what-if applied (the config service validates the result). */
export function applyWhatIf(config: ConfigSnapshot, w: WhatIf): ConfigSnapshot {
  const out = structuredClone(config);
  for (const [slaClass, patch] of Object.entries(w.slaPolicies ?? {})) {
    const i = out.slaPolicies.findIndex((p) => p.slaClass === slaClass);
    const base = out.slaPolicies[i];
    if (!base) throw new Error(`what-if ${w.name}: no SLA policy ${slaClass}`);
    out.slaPolicies[i] = { ...base, ...patch };
  }
  for (const [id, patch] of Object.entries(w.dutyItems ?? {})) {
    const i = out.dutyItems.findIndex((d) => d.id === id);
    const base = out.dutyItems[i];
    if (!base) throw new Error(`what-if ${w.name}: no duty item ${id}`);
    const next = { ...base, ...patch };
    // A retracted item is led by its department: the street-led fields no longer apply.
    if (next.kind !== 'retracted') {
      delete next.leadUnitId;
      delete next.leadFunction;
    }
    out.dutyItems[i] = next;
  }
  return out;
}
