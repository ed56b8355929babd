import { InvalidArgumentError } from 'commander';
import { errorMessage } from '@fraud/common';

/** Argument parsers: a bad value stops the command with the option's message before anything runs. */
export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

export function portArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('a port is 0-65535 (0 = any free port)');
  return n;
}

export function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a fraction between 0 and 1');
  return n;
}

/** A parser that throws (parseDuration, parseSpeed, ...) as an argument parser. */
export function argParser<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (err: unknown) {
      throw new InvalidArgumentError(errorMessage(err));
    }
  };
}
