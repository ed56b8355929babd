import { localSignFeedToken, type SignFeedToken } from './token.ts';

/**
 * The sinks' own signFeedToken when @fraud/sinks exports it (one implementation for both ends
 * of the contract), else the local implementation of the same format.
 */
export async function resolveFeedSigner(): Promise<SignFeedToken> {
  // A runtime specifier: the server build keeps @fraud/* external and loads them in place.
  const specifier = '@fraud/sinks';
  const mod = (await import(/* @vite-ignore */ specifier).catch(() => ({}))) as { signFeedToken?: unknown };
  return typeof mod.signFeedToken === 'function' ? (mod.signFeedToken as SignFeedToken) : localSignFeedToken;
}
