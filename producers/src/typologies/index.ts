import type { TypologyName } from '../scenario.ts';
import type { Typology } from './context.ts';
import { muleFanIn } from './mule-fan-in.ts';
import { newPayeeNight } from './new-payee-night.ts';
import { partialDrain } from './partial-drain.ts';
import { takeover } from './takeover.ts';
import { velocityBurst } from './velocity-burst.ts';

export type { FraudContext, Typology } from './context.ts';

export const TYPOLOGIES: Readonly<Record<TypologyName, Typology>> = {
  takeover,
  'partial-drain': partialDrain,
  'mule-fan-in': muleFanIn,
  'velocity-burst': velocityBurst,
  'new-payee-night': newPayeeNight,
};
