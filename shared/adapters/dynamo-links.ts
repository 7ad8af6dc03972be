/**
 * Signed links (LINK#<code> / L: grant, HMAC, single-use marks, evidence names) and the evidence
 * photos the embedded runtime keeps in the store (EV#<name> / E; S3 on AWS).
 */
import type { LinkAction } from '../domain/links';
import type { EvidenceObject, LinkStore, StoredLink } from '../ports';
import type { DynamoTable } from './dynamo-table';
import { EVIDENCE_SK, evidencePk, LINK_SK, linkPk } from './table-keys';

export class DynamoLinks implements LinkStore {
  constructor(private readonly table: DynamoTable) {}

  async putLink(link: StoredLink): Promise<boolean> {
    return this.table.putIfAbsent({ pk: linkPk(link.grant.code), sk: LINK_SK, ...link });
  }

  async getLink(code: string): Promise<StoredLink | undefined> {
    const item = await this.table.get({ pk: linkPk(code), sk: LINK_SK }, { consistent: true });
    if (!item) return undefined;
    const { grant, sig, used, evidence } = item;
    return {
      grant: grant as StoredLink['grant'],
      sig: sig as string,
      used: (used as StoredLink['used']) ?? {},
      evidence: (evidence as string[]) ?? [],
    };
  }

  /** Returns false on a failed condition; other errors propagate. */
  private async conditionalUpdate(input: {
    code: string;
    update: string;
    condition: string;
    names: Record<string, string>;
    values?: Record<string, unknown>;
  }): Promise<boolean> {
    return this.table.update({
      key: { pk: linkPk(input.code), sk: LINK_SK },
      update: input.update,
      condition: input.condition,
      names: input.names,
      ...(input.values ? { values: input.values } : {}),
    });
  }

  async markLinkUsed(code: string, action: LinkAction, at: string): Promise<boolean> {
    return this.conditionalUpdate({
      code,
      update: 'SET #used.#a = :at',
      condition: 'attribute_exists(pk) AND attribute_not_exists(#used.#a)',
      names: { '#used': 'used', '#a': action },
      values: { ':at': at },
    });
  }

  async unmarkLinkUsed(code: string, action: LinkAction): Promise<void> {
    await this.conditionalUpdate({
      code,
      update: 'REMOVE #used.#a',
      condition: 'attribute_exists(pk)',
      names: { '#used': 'used', '#a': action },
    });
  }

  async addLinkEvidence(code: string, name: string, max: number): Promise<boolean> {
    return this.conditionalUpdate({
      code,
      update: 'SET #ev = list_append(#ev, :one)',
      condition: 'attribute_exists(pk) AND size(#ev) < :max',
      names: { '#ev': 'evidence' },
      values: { ':one': [name], ':max': max },
    });
  }

  async putEvidence(object: EvidenceObject): Promise<void> {
    await this.table.put({ pk: evidencePk(object.name), sk: EVIDENCE_SK, ...object });
  }

  async getEvidence(name: string): Promise<EvidenceObject | undefined> {
    const item = await this.table.get({ pk: evidencePk(name), sk: EVIDENCE_SK });
    if (!item) return undefined;
    const { ticketId, contentType, bytes, at } = item;
    return {
      name,
      ticketId: ticketId as string,
      contentType: contentType as string,
      bytes: bytes as Uint8Array,
      at: at as string,
    };
  }
}
