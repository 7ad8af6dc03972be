/**
 * Domain errors carry the HTTP status they map to, so one middleware can turn any of them into
 * problem+json. Their `name` is stable: workflow task handlers throw them and the ASL catches by name.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.status = status;
    this.title = title;
    this.extra = extra;
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(400, 'Invalid request', detail, { errors });
  }
}

export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError';
  constructor(detail = 'a valid bearer token is required') {
    super(401, 'Unauthorized', detail);
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(detail: string) {
    super(404, 'Not found', detail);
  }
}

/** The action does not fit the ticket's current state; `state` tells the client what it is. */
export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(detail: string, state: Record<string, unknown> = {}) {
    super(409, 'Conflict', detail, { state });
  }
}

export class UnprocessableError extends AppError {
  override readonly name = 'UnprocessableError';
  constructor(detail: string) {
    super(422, 'Unprocessable request', detail);
  }
}

export class PayloadTooLargeError extends AppError {
  override readonly name = 'PayloadTooLargeError';
  constructor(limit: number) {
    super(413, 'Payload too large', `request bodies are limited to ${limit} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(detail: string) {
    super(415, 'Unsupported media type', detail);
  }
}

export class TooManyRequestsError extends AppError {
  override readonly name = 'TooManyRequestsError';
  constructor(detail = 'too many requests, slow down') {
    super(429, 'Too many requests', detail);
  }
}

/** A dependency (store, workflow engine, SNS) stayed unavailable after retries. */
export class ServiceUnavailableError extends AppError {
  override readonly name = 'ServiceUnavailableError';
  constructor(detail = 'the service is busy, retry shortly') {
    super(503, 'Service unavailable', detail);
  }
}

/** Optimistic lock lost: someone else wrote the ticket first. Retried by callers and the ASL. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
}

/** The store throttled or failed transiently; the ASL retries tasks that throw it. */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
}

/** The ticket is gone or finished: a workflow task stops the execution's branch cleanly. */
export class TicketGoneError extends Error {
  override readonly name = 'TicketGoneError';
}
