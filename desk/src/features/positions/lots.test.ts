import { describe, expect, it } from 'vitest';
import { partialQtyError, priceError, usedShare } from './lots';

const grid = { lotSize: '0.00001', minQty: '0.00001', openQty: '0.5' };

describe('partial close quantity', () => {
  it('accepts a quantity on the lot grid within the open size, the whole size included', () => {
    expect(partialQtyError('0.25', grid)).toBeNull();
    expect(partialQtyError('0.5', grid)).toBeNull();
    expect(partialQtyError(' 0.00001 ', grid)).toBeNull();
  });

  it('refuses off-grid, too large, empty, zero and malformed quantities with stable codes', () => {
    expect(partialQtyError('0.123456', grid)?.code).toBe('quantity-off-lot');
    expect(partialQtyError('0.6', grid)?.code).toBe('quantity-exceeds-position');
    expect(partialQtyError('', grid)?.code).toBe('required');
    expect(partialQtyError('0', grid)?.code).toBe('invalid-quantity');
    expect(partialQtyError('1e-3', grid)?.code).toBe('invalid-quantity');
    expect(partialQtyError('-0.1', grid)?.code).toBe('invalid-quantity');
  });

  it('refuses a rest below the minimum quantity', () => {
    const e = partialQtyError('0.45', { lotSize: '0.01', minQty: '0.1', openQty: '0.5' });
    expect(e).toEqual({
      code: 'remaining-below-minimum',
      message: 'would leave 0.05, below the minimum quantity 0.1: close all of it instead',
    });
  });
});

describe('stop and target prices', () => {
  it('wants a positive decimal on the tick grid', () => {
    expect(priceError('2410.04', '0.01')).toBeNull();
    expect(priceError('2410.045', '0.01')).toEqual({
      code: 'price-off-tick',
      message: 'must be a multiple of the tick size 0.01',
    });
    expect(priceError('abc', '0.01')?.code).toBe('invalid-price');
    expect(priceError('0', '0.01')?.code).toBe('invalid-price');
  });
});

describe('limit bars', () => {
  it('gives the share of a limit used, capped at 1', () => {
    expect(usedShare('150', '300')).toBe(0.5);
    expect(usedShare('-450', '300')).toBe(1);
    expect(usedShare(2, 0)).toBeNull();
  });
});
