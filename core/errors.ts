/**
 * The real-time core's typed error. Every failure that reaches a client is one of these, turned
 * into an `error` frame or an HTTP status in one place.
 *
 * @module
 */

import { ErrorCode } from "./codes.ts";
import type { ErrorFrame } from "./protocol.ts";
import { ValidationError } from "./validate.ts";
import { validationCode } from "./protocol.ts";

/** A domain error with a stable code from {@link ErrorCode}. */
export class ParleyError extends Error {
  /** Stable code sent to clients. */
  readonly code: ErrorCode;
  /** True when retrying the same request later may succeed. */
  readonly retryable: boolean;
  /** Creates an error. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = "ParleyError";
    this.code = code;
    this.retryable = options?.retryable ?? code === ErrorCode.Unavailable;
  }
}

/** Duck-typed store errors, so the core does not depend on the db module's classes. */
function storeCode(err: Error): ErrorCode | null {
  if (err.name === "StoreUnavailableError") return ErrorCode.Unavailable;
  if (err.name === "StoreError") {
    const code = (err as Error & { code?: string }).code;
    if (code === "not_found") return ErrorCode.NotFound;
    if (code === "conflict") return ErrorCode.Conflict;
    return ErrorCode.BadFrame;
  }
  return null;
}

/** Normalises anything thrown into a {@link ParleyError}; unknown errors become `internal`. */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  if (err instanceof ValidationError) return new ParleyError(validationCode(err), err.message);
  if (err instanceof Error) {
    const code = storeCode(err);
    if (code !== null) return new ParleyError(code, err.message, { cause: err });
  }
  return new ParleyError(ErrorCode.Internal, "Internal error", { cause: err });
}

/** Builds the error frame for `err`, naming the request it answers. */
export function errorFrame(
  err: ParleyError,
  about: { clientId?: string; conversationId?: string } = {},
): ErrorFrame {
  return {
    type: "error",
    code: err.code,
    message: err.message,
    ...(err.retryable ? { retryable: true } : {}),
    ...about,
  };
}
