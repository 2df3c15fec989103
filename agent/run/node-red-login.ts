/**
 * A cap on failed editor logins: scrypt makes one guess cost ~0.1 s here, this caps the guesses at
 * `limit` per window for the whole editor (it is reachable only from this machine or an SSH tunnel, so a
 * lock-out by a local attacker is the lesser harm than unlimited guessing).
 */
export class LoginThrottle {
  private failures: number[] = [];

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a password may be checked now. */
  allowed(): boolean {
    const since = this.now() - this.windowMs;
    this.failures = this.failures.filter((at) => at > since);
    return this.failures.length < this.limit;
  }

  failed(): void {
    this.failures.push(this.now());
  }
}
