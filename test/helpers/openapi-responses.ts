/**
 * Checks a live response against the OpenAPI document the server itself serves: the schema of
 * that operation and status, validated as JSON Schema 2020-12 (what OpenAPI 3.1 uses).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export class DocumentedResponses {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(private readonly doc: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'openapi.json');
  }

  /** Throws unless `body` fits what the document promises for `METHOD path` → `status`. */
  check(method: string, path: string, status: number, body: unknown): void {
    const paths = this.doc.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;
    const op = paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${path} is not documented`);
    let res = op.responses[String(status)];
    if (!res) throw new Error(`${method} ${path} does not document status ${status}`);
    if (typeof res.$ref === 'string') {
      const name = res.$ref.replace('#/components/responses/', '');
      res = ((this.doc.components as Json).responses as Record<string, Json>)[name] as Json;
    }
    const content = Object.values((res.content as Record<string, { schema: Json }>) ?? {})[0];
    if (!content) return;
    const schema = content.schema;
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(
        typeof schema.$ref === 'string' ? { $ref: `openapi.json${schema.$ref}` } : schema,
      );
      this.compiled.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${method} ${path} → ${status} does not match its documented schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`,
      );
    }
  }
}
