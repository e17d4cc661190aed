/** pino loggers: JSON to stderr, static messages with values in the object. */
import { type DestinationStream, pino, type Logger } from 'pino';

/** Creates the process logger; level from AIRFEED_LOG_LEVEL (default `info`, `silent` in tests). */
export function createLogger(bindings: Record<string, unknown> = {}): Logger {
  const level = process.env['AIRFEED_LOG_LEVEL'] ?? (process.env['VITEST'] ? 'silent' : 'info');
  return pino({ level, base: bindings }, pino.destination(2));
}

/** A logger that drops everything, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * A logger writing to `log`'s destination, at its level and with its bindings, that passes every
 * finished line through `redact` first: what a driver logs (messages, objects, errors and their
 * stacks alike) cannot carry a secret value out. Assumes `log` uses pino's default formatting, as
 * every logger made here does.
 */
export function redactingLogger(log: Logger, redact: (line: string) => string): Logger {
  if (log.level === 'silent') return log;
  const stream = (log as unknown as Record<symbol, DestinationStream | undefined>)[pino.symbols.streamSym];
  if (!stream) throw new Error('redactingLogger: the logger has no destination stream');
  const out = pino({ level: log.level, base: null }, { write: (line: string) => void stream.write(redact(line)) });
  return out.child(log.bindings());
}
