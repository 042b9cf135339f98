/** Reconnect delays: exponential, capped, with jitter so that clients cut off together do not
 * all come back in the same millisecond. */

export interface BackoffOptions {
    /** First delay, in ms (default 250). */
    initialDelayMs?: number;
    /** Largest delay, in ms (default 10,000). */
    maxDelayMs?: number;
    /** Growth per failed attempt (default 2). */
    factor?: number;
    /** Share of each delay that is random, 0..1 (default 0.5). */
    jitter?: number;
}

export class Backoff {
    private attempt = 0;
    private readonly initial: number;
    private readonly max: number;
    private readonly factor: number;
    private readonly jitter: number;

    constructor(
        options: BackoffOptions = {},
        private readonly random: () => number = Math.random,
    ) {
        this.initial = Math.max(0, options.initialDelayMs ?? 250);
        this.max = Math.max(this.initial, options.maxDelayMs ?? 10_000);
        this.factor = Math.max(1, options.factor ?? 2);
        this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    }

    /** How many delays were handed out since the last reset. */
    get attempts(): number {
        return this.attempt;
    }

    /** The delay before the next attempt: base·factor^n capped at max, the jittered share drawn
     * uniformly from [0, share], so a delay lies in [(1-jitter)·d, d]. */
    next(): number {
        const exponent = Math.min(this.attempt, 64);
        const ceiling = Math.min(this.max, this.initial * Math.pow(this.factor, exponent));
        this.attempt++;
        const fixed = ceiling * (1 - this.jitter);
        return Math.round(fixed + this.random() * (ceiling - fixed));
    }

    /** A connection proved healthy: start again from the first delay. */
    reset(): void {
        this.attempt = 0;
    }
}
