import { ActionError } from './errors.js';

/**
 * action-timeout-s: one deadline for the whole step. Network calls get its AbortSignal; anything else is
 * raced against it. When it passes, the step fails before exporting anything.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly expired: Promise<never>;
  /** What the step is doing now, for the timeout message ("assuming the role …"). */
  stage = 'starting';

  constructor(seconds: number | undefined) {
    this.expired = new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason));
    });
    this.expired.catch(() => undefined); // observed through race(), never unhandled
    if (seconds !== undefined) {
      this.timer = setTimeout(() => {
        this.controller.abort(
          new ActionError(
            `The step ran out of time while ${this.stage} (action-timeout-s is ${seconds} seconds). Nothing was exported; raise action-timeout-s or check why STS or the token endpoint is slow.`,
          ),
        );
      }, seconds * 1000);
    }
  }

  /** Signal for SDK calls. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Resolves with `work`, or rejects with the timeout error if the deadline passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  /** Throws the timeout error if the deadline has passed. */
  check(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }

  /** Stops the timer so the process can exit. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
