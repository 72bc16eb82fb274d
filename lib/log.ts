// The process logger: pino, JSON lines on stdout. Secrets never reach it: the redact paths
// cover header and credential fields by name, and callers log keys, not values.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(name: string, level = process.env.TOLLGATE_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        '*.authorization',
        '*.apiKey',
        '*.api_key',
        '*["x-api-key"]',
        '*["api-key"]',
        '*.secret',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
