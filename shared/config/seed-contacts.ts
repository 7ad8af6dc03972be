/** Deterministic, realistic-looking contact numbers for the seed (never real people). */
const mobilePrefixes = ['13', '15', '18'];

/** A mobile-like E.164 number (+86 and 11 digits), derived from a counter so it never changes. */
export function phone(seed: number): string {
  const prefix = mobilePrefixes[seed % mobilePrefixes.length] ?? '13';
  // Multiplicative hashing spreads consecutive seeds over 9 digits; stays far below 2^53.
  const rest = ((seed * 2_654_435_761 + 12_345) % 900_000_000) + 100_000_000;
  return `+86${prefix}${rest}`;
}
