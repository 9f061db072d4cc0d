/**
 * The real-time core's typed error. Every failure that reaches a client is one of these, turned
 * into an `error` frame or an HTTP status in one place.
 *
 * @module
 */

import { StoreError, StoreUnavailableError } from "../db/store.ts";
import { ErrorCode } from "../protocol/codes.ts";
import { type ErrorFrame, validationCode } from "../protocol/frames.ts";
import { ValidationError } from "../protocol/validate.ts";

/** A domain error with a stable code from {@link ErrorCode}. */
export class ParleyError extends Error {
  /** Stable code sent to clients. */
  readonly code: ErrorCode;
  /** True when retrying the same request later may succeed. */
  readonly retryable: boolean;
  /** The request field at fault (`a.b[0]`), when one is (HTTP error bodies carry it). */
  readonly field?: string;
  /** Creates an error. */
  constructor(
    code: ErrorCode,
    message: string,
    options?: ErrorOptions & { retryable?: boolean; field?: string },
  ) {
    super(message, options);
    this.name = "ParleyError";
    this.code = code;
    this.retryable = options?.retryable ?? code === ErrorCode.Unavailable;
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** The client-facing code of a store error. */
const STORE_CODES: Record<StoreError["code"], ErrorCode> = {
  not_found: ErrorCode.NotFound,
  conflict: ErrorCode.Conflict,
  invalid: ErrorCode.BadFrame,
  // The chat commands answer it themselves (they charge the new-conversation limit and retry).
  no_conversation: ErrorCode.Conflict,
  too_large: ErrorCode.TooLarge,
  bad_attachment: ErrorCode.BadAttachment,
};

/** Normalises anything thrown into a {@link ParleyError}; unknown errors become `internal`. */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  if (err instanceof ValidationError) return new ParleyError(validationCode(err), err.message);
  if (err instanceof StoreUnavailableError) {
    return new ParleyError(ErrorCode.Unavailable, err.message, { cause: err });
  }
  if (err instanceof StoreError) {
    return new ParleyError(STORE_CODES[err.code], err.message, { cause: err });
  }
  return new ParleyError(ErrorCode.Internal, "Internal error", { cause: err });
}

/** Builds the error frame for `err`, naming the request it answers. */
export function errorFrame(
  err: ParleyError,
  about: { clientId?: string; requestId?: string; conversationId?: string } = {},
): ErrorFrame {
  return {
    type: "error",
    code: err.code,
    message: err.message,
    ...(err.retryable ? { retryable: true } : {}),
    ...about,
  };
}
