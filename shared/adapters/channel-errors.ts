/**
 * The error names channel adapters throw, as the sender reads them (shared/use-cases/notify.ts
 * PERMANENT_ERRORS): a permanent refusal falls back to the recipient's next channel at once,
 * anything else is retried with backoff.
 */
export type ChannelErrorName =
  /** The gateway refuses this recipient (an invalid, blocked or opted-out number). */
  | 'RecipientRefused'
  /** The template or a parameter was refused (unknown code, length, characters). */
  | 'TemplateParamRejected'
  /** Our side is wrong: credentials, signature, balance, robot key. Alarmed; falls back meanwhile. */
  | 'ChannelMisconfigured'
  /** Throttled, a 5xx, a timeout: try again later. */
  | 'ChannelBusy';

export function channelError(name: ChannelErrorName, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** Mainland numbers as the gateways take them: `+8613800000000` → `13800000000`. */
export function mainlandNumber(e164: string): string {
  return e164.replace(/^\+86/, '').replace(/^\+/, '');
}
