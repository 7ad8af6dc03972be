/**
 * Duty-item suggestion: which items of the duty list (履职事项清单) a free-text description is
 * most likely about. Pure, no I/O: the index is built once per configuration version
 * (shared/use-cases/duty-suggestions.ts caches it) and queried per keystroke or per ticket.
 *
 * Text → terms: the runtime's `Intl.Segmenter('zh', { granularity: 'word' })` plus character
 * bigrams of every run of Chinese characters. The segmenter alone is weak on the words residents
 * use (ICU splits 电瓶车 into 电瓶|车 and 电动车 into 电|动|车), and bigrams also survive a
 * mistyped character (电平车充电 still shares 充电 and 车充 with the item). Ranking is BM25F
 * over the item's fields (name, keywords, synonyms, category), each with its own weight and
 * length normalisation: a hit in a keyword list of 20 words counts less than the same hit in a
 * 6-character name. No dependency: the list is small (71 items in the seed, 847 in Liling's real
 * list) and the whole index is a few maps.
 */
import type { DutyItem } from './model';

type Field = 'name' | 'keywords' | 'synonyms' | 'category';
const fields: readonly Field[] = ['name', 'keywords', 'synonyms', 'category'];

/**
 * Field weights and length normalisation (BM25F). The name is what the item is; keywords are
 * the residents' words; synonyms rephrase the whole item; the category is shared by many items
 * and only breaks ties. Chosen by reasoning, then checked (not fitted) on the labelled set in
 * test/fixtures/duty-item-descriptions.json (docs/performance.md has the figures).
 */
const weights: Record<Field, number> = { name: 3, keywords: 2, synonyms: 2, category: 0.5 };
const lengthNorm: Record<Field, number> = { name: 0.5, keywords: 0.3, synonyms: 0.3, category: 0.5 };
const K1 = 1.2;
/** A single character is a weak signal (车, 水, 狗): worth under a third of a bigram or a word. */
const SINGLE_CHAR_WEIGHT = 0.3;

/**
 * `confident`: the top item may be dispatched without a person looking. It needs an absolute
 * score (several specific terms, not one shared character) and a clear lead over the runner-up.
 */
export const confidence = { minScore: 6, minLead: 1.25 } as const;

/** Words that carry no subject on their own; dropped as single characters and as words. */
const STOP = new Set(
  (
    '的 了 在 是 我 你 他 她 它 们 有 和 就 都 也 很 还 又 把 被 给 让 这 那 个 里 上 下 吗 呢 吧 啊 呀 哦 嘛 么 着 过 说 要 会 能 不 没 好 人 一 号 栋 楼 单 元 家 去 来 到 请 帮 多 大 小 天 已 经 啦 ' +
    '哈 有人 我们 他们 一个 这个 那个 现在 已经 还是 就是 什么 怎么 可以 没有 不是 一直 希望 麻烦 谢谢 反映 问题 情况 处理 一下 社区 小区'
  ).split(' '),
);

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** NFKC (full-width letters and digits to ASCII), lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * The terms of a text, with repeats. Two-character words are left to the bigrams (the same
 * string would otherwise count twice); longer words and single characters come from the
 * segmenter; digits and Latin words are kept (3栋 is a place, not a subject: numbers are dropped).
 */
export function terms(text: string): string[] {
  const norm = normalizeText(text);
  const out: string[] = [];
  for (const s of segmenter.segment(norm)) {
    if (!s.isWordLike) continue;
    const w = s.segment;
    if (STOP.has(w) || /^\d+$/.test(w)) continue;
    const han = HAN.test(w);
    if (han && w.length === 2) continue;
    if (!han && w.length < 2) continue;
    out.push(w);
  }
  for (const run of norm.match(HAN_RUN) ?? []) {
    for (let i = 0; i + 1 < run.length; i++) {
      const bigram = run.slice(i, i + 2);
      if (!STOP.has(bigram)) out.push(bigram);
    }
  }
  return out;
}

const isSingleHan = (t: string) => t.length === 1 && HAN.test(t);

interface IndexedItem {
  item: DutyItem;
  /** Term frequency per field. */
  tf: Record<Field, Map<string, number>>;
  len: Record<Field, number>;
  /** The item's own phrases (name, keywords, synonyms), to say which ones the text contains. */
  phrases: string[];
}

export interface SuggestionIndex {
  readonly items: readonly IndexedItem[];
  /** Inverse document frequency per term. */
  readonly idf: ReadonlyMap<string, number>;
  readonly avgLen: Readonly<Record<Field, number>>;
  /** Term → the positions in `items` that contain it, so a query touches only those. */
  readonly postings: ReadonlyMap<string, readonly number[]>;
}

function fieldText(item: DutyItem, f: Field): string[] {
  switch (f) {
    case 'name':
      return [item.name];
    case 'category':
      return [item.category];
    case 'keywords':
      return item.keywords ?? [];
    case 'synonyms':
      return item.synonyms ?? [];
  }
}

export function buildSuggestionIndex(items: DutyItem[]): SuggestionIndex {
  const indexed: IndexedItem[] = items.map((item) => {
    const tf = {} as Record<Field, Map<string, number>>;
    const len = {} as Record<Field, number>;
    for (const f of fields) {
      const m = new Map<string, number>();
      let n = 0;
      for (const text of fieldText(item, f)) {
        for (const t of terms(text)) {
          m.set(t, (m.get(t) ?? 0) + 1);
          n++;
        }
      }
      tf[f] = m;
      len[f] = n;
    }
    const phrases = [item.name, ...(item.keywords ?? []), ...(item.synonyms ?? [])].map(normalizeText);
    return { item, tf, len, phrases };
  });
  const df = new Map<string, number>();
  const postings = new Map<string, number[]>();
  indexed.forEach((d, i) => {
    const seen = new Set<string>();
    for (const f of fields) for (const t of d.tf[f].keys()) seen.add(t);
    for (const t of seen) {
      df.set(t, (df.get(t) ?? 0) + 1);
      const p = postings.get(t);
      if (p) p.push(i);
      else postings.set(t, [i]);
    }
  });
  const n = indexed.length;
  const idf = new Map<string, number>();
  for (const [t, k] of df) idf.set(t, Math.log(1 + (n - k + 0.5) / (k + 0.5)));
  const avgLen = {} as Record<Field, number>;
  for (const f of fields) {
    avgLen[f] = n ? indexed.reduce((s, d) => s + d.len[f], 0) / n || 1 : 1;
  }
  return { items: indexed, idf, avgLen, postings };
}

export interface Suggestion {
  dutyItemId: string;
  name: string;
  category?: string;
  /** BM25F score, two decimals: comparable within one answer, not across configurations. */
  score: number;
  /** What the description shares with the item: its phrases found whole, else the terms. */
  matched: string[];
}

export interface Suggestions {
  items: Suggestion[];
  /** The top item is clearly good enough to dispatch without a person (else: triage). */
  confident: boolean;
}

export function suggestDutyItems(index: SuggestionIndex, text: string, limit = 3): Suggestions {
  const query = [...new Set(terms(text))];
  const scores = new Map<number, { score: number; hits: { term: string; gain: number }[] }>();
  for (const t of query) {
    const idf = index.idf.get(t);
    const docs = index.postings.get(t);
    if (idf === undefined || !docs) continue;
    const qWeight = isSingleHan(t) ? SINGLE_CHAR_WEIGHT : 1;
    for (const i of docs) {
      const d = index.items[i] as IndexedItem;
      let tf = 0;
      for (const f of fields) {
        const raw = d.tf[f].get(t);
        if (!raw) continue;
        const b = lengthNorm[f];
        tf += (weights[f] * raw) / (1 - b + (b * d.len[f]) / index.avgLen[f]);
      }
      const gain = qWeight * idf * (tf / (K1 + tf));
      const s = scores.get(i) ?? { score: 0, hits: [] };
      s.score += gain;
      s.hits.push({ term: t, gain });
      scores.set(i, s);
    }
  }
  const ranked = [...scores.entries()]
    .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
    .slice(0, Math.max(1, limit));
  const norm = normalizeText(text);
  const items = ranked.map(([i, s]) => {
    const d = index.items[i] as IndexedItem;
    return {
      dutyItemId: d.item.id,
      name: d.item.name,
      ...(d.item.category ? { category: d.item.category } : {}),
      score: Math.round(s.score * 100) / 100,
      matched: matchedWords(d, norm, s.hits),
    };
  });
  const [top, second] = ranked;
  const confident =
    !!top &&
    top[1].score >= confidence.minScore &&
    (!second || top[1].score >= confidence.minLead * second[1].score);
  return { items, confident };
}

/** The item's phrases the text contains whole (longest first), else its best-scoring terms. */
function matchedWords(d: IndexedItem, text: string, hits: { term: string; gain: number }[]): string[] {
  const whole = [...new Set(d.phrases.filter((p) => p.length > 1 && text.includes(p)))].sort(
    (a, b) => b.length - a.length,
  );
  // A phrase inside a longer one already shown says nothing more (充电 in 飞线充电).
  const shown = whole.filter((p, i) => !whole.slice(0, i).some((q) => q.includes(p)));
  const terms = [...hits]
    .sort((a, b) => b.gain - a.gain)
    .map((h) => h.term)
    .filter((t) => !shown.some((p) => p.includes(t)));
  return [...shown, ...terms].slice(0, 5);
}
