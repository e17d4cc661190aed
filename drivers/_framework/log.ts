/** pino loggers: JSON to stderr, static messages with values in the object. */
import { pino, type Logger } from 'pino';

/** Creates the process logger; level from AIRFEED_LOG_LEVEL (default `info`, `silent` in tests). */
export function createLogger(bindings: Record<string, unknown> = {}): Logger {
  const level = process.env['AIRFEED_LOG_LEVEL'] ?? (process.env['VITEST'] ? 'silent' : 'info');
  return pino({ level, base: bindings }, pino.destination(2));
}

/** A logger that drops everything, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
