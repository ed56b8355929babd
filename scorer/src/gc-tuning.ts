import { setFlagsFromString } from 'node:v8';

/** The V8 flag `fraud scorer` sets on itself before it starts (Node accepts it on its command line too). */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Turns off V8's allocation-site pretenuring in this process; call before the scorer allocates
 * its state. V8 watches each allocation site and, once most of a site's objects survive a
 * scavenge, allocates the site's later objects straight in the old generation. The scorer's
 * busiest sites (Kafka fetches, decodes, decisions) make mostly short-lived objects that happen
 * to live across a scavenge while a transaction is in flight: pretenured, all of them went to the
 * old generation and brought its full collection every ~20 s at 2k tx/s (docs/scorer.md).
 * Node does not take this flag in NODE_OPTIONS, hence here rather than in the launchers.
 */
export function disablePretenuring(): void {
  setFlagsFromString(NO_PRETENURING_FLAG);
}
