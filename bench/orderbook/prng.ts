/**
 * Seeded PRNG (sfc32) for the order-book benchmark: the same seed gives the same operation stream.
 */

/** A seeded pseudo-random source. */
export class Prng {
  private a = 0x9e3779b9;
  private b = 0x243f6a88;
  private c = 0xb7e15162;
  private d: number;
  private spare = NaN;

  constructor(seed: number) {
    this.d = seed >>> 0;
    for (let i = 0; i < 20; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const a = this.a >>> 0;
    const b = this.b >>> 0;
    const c = this.c >>> 0;
    const d = this.d >>> 0;
    let t = (a + b) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const c2 = (c << 21) | (c >>> 11);
    this.d = (d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (c2 + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo + 1) * this.next());
  }

  /** Standard normal (Box–Muller, the second value cached). */
  gauss(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Discrete exponential (geometric on 1, 2, 3, …) with the given mean, truncated to [1, max] by resampling:
   * P(k) ∝ q^(k-1) with q = 1 - 1/mean.
   */
  geometric(mean: number, max: number): number {
    if (mean <= 1) return 1;
    const lnq = Math.log(1 - 1 / mean);
    for (;;) {
      let u = this.next();
      while (u === 0) u = this.next();
      const k = 1 + Math.floor(Math.log(u) / lnq);
      if (k <= max) return k;
    }
  }
}
