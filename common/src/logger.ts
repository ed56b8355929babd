import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Secrets are redacted by path wherever they could appear. `level` comes
 * from the caller's parsed environment (LOG_LEVEL); undefined means info.
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        'sasl.password',
        'token',
        '*.token',
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
        'cookie',
        '*.cookie',
      ],
      censor: '***',
    },
  });
}
