/**
 * Errors that carry their process exit code, so the CLI maps failures to exit codes in one place.
 * Exit codes: 0 success, 1 a runtime failure, 2 bad input (usage, answers, presets, names, paths), 130 cancelled.
 */
export class SecureStackError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from the user: flags, answers, presets, names. Always a one-line message; nothing is written. */
export class UsageError extends SecureStackError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A path that would leave the target root (absolute, `..`, through a symlink) or is otherwise unsafe to write. */
export class PathEscapeError extends SecureStackError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A template or a value could not be rendered safely (missing variable, value unfit for its context). */
export class RenderError extends SecureStackError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** The user cancelled an interactive prompt. */
export class CancelledError extends SecureStackError {
  constructor(message = 'Cancelled; nothing was written.') {
    super(message, 130);
  }
}
