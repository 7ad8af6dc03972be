/**
 * Suggestions over a configuration version. Versions are immutable numbered snapshots, so the
 * index of a version, once built, is right for good; a new version (an admin edited keywords)
 * gets its own. Only the last few versions are kept: requests read the latest one.
 */
import type { ConfigSnapshot } from '../domain/model';
import {
  buildSuggestionIndex,
  type SuggestionIndex,
  type Suggestions,
  suggestDutyItems,
} from '../domain/suggest';

const KEEP = 4;
const indexes = new Map<number, SuggestionIndex>();

export function suggestionIndexFor(config: Pick<ConfigSnapshot, 'version' | 'dutyItems'>): SuggestionIndex {
  let index = indexes.get(config.version);
  if (!index) {
    index = buildSuggestionIndex(config.dutyItems);
    indexes.set(config.version, index);
    // Map keeps insertion order: the oldest version built goes first.
    while (indexes.size > KEEP) indexes.delete(indexes.keys().next().value as number);
  }
  return index;
}

export function suggestForConfig(
  config: Pick<ConfigSnapshot, 'version' | 'dutyItems'>,
  text: string,
  limit?: number,
): Suggestions {
  return suggestDutyItems(suggestionIndexFor(config), text, limit);
}
