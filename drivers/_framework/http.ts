/**
 * The drivers' HTTP toolkit, one import away: the client (http/client.ts), secret headers
 * (http/secrets.ts), per-host rate limits (http/rate-limit.ts), offset paging (http/paging.ts)
 * and the `Retry-After` parser (http/retry.ts).
 */
export { HttpClient } from './http/client.ts';
export type { DownloadOptions, DownloadResult, GetTextOptions, HttpClientOptions, RequestOptions } from './http/client.ts';
export { offsetPages } from './http/paging.ts';
export type { OffsetPage, OffsetPagingOptions } from './http/paging.ts';
export type { RateLimit } from './http/rate-limit.ts';
export { parseRetryAfter } from './http/retry.ts';
export { type HeaderValues, redactHeaders, secret, SecretValue } from './http/secrets.ts';
