import { describe, expect, it } from 'vitest';
import { validateOrder, type OrderFormValues, type OrderMarket } from './orderForm';
import { compareText, fromScaled, onStep, toScaled } from '@/lib/decimal';

const bounded: OrderMarket = {
  id: 7,
  status: 'open',
  kind: 'bounded',
  tickSize: '0.01',
  lotSize: '1',
  minPrice: '0',
  maxPrice: '1',
};
const form = (o: Partial<OrderFormValues> = {}): OrderFormValues => ({
  side: 'buy',
  type: 'limit',
  price: '0.40',
  stopPrice: '',
  size: '5',
  tif: 'GTC',
  postOnly: false,
  ...o,
});

describe('validateOrder', () => {
  it('builds the body of a limit order with the price as typed and the time in force', () => {
    expect(validateOrder(form(), bounded, 3)).toEqual({
      body: { accountId: 3, marketId: 7, side: 'buy', type: 'limit', size: '5', price: '0.40', tif: 'GTC' },
    });
  });

  it('sends no price nor time in force for a market order, and a stop price for stop orders', () => {
    expect(validateOrder(form({ type: 'market', price: 'ignored' }), bounded).body).toEqual({
      marketId: 7,
      side: 'buy',
      type: 'market',
      size: '5',
    });
    expect(validateOrder(form({ type: 'stop-limit', stopPrice: '0.5', side: 'sell' }), bounded).body).toMatchObject({
      type: 'stop-limit',
      price: '0.40',
      stopPrice: '0.5',
      tif: 'GTC',
    });
    expect(validateOrder(form({ type: 'stop-market' }), bounded).errors).toEqual({ stopPrice: 'Enter a stop price' });
  });

  it('names each wrong field: size off the lot, price off the tick or out of bounds, missing price', () => {
    expect(validateOrder(form({ size: '1.5', price: '0.405' }), bounded).errors).toEqual({
      size: 'The size must be a multiple of the lot 1',
      price: 'The price must be a multiple of the tick 0.01',
    });
    expect(validateOrder(form({ price: '1.2' }), bounded).errors).toEqual({ price: 'The price must be at most 1' });
    expect(validateOrder(form({ price: '', size: 'lots' }), bounded).errors).toEqual({
      price: 'Enter a price',
      size: 'The size must be a positive decimal such as 2',
    });
    expect(validateOrder(form({ size: '0' }), bounded).errors).toEqual({ size: 'The size must be greater than 0' });
  });

  it('allows post-only on good-till-cancelled limit orders only, and nothing on a paused market', () => {
    expect(validateOrder(form({ postOnly: true }), bounded).body?.postOnly).toBe(true);
    expect(validateOrder(form({ postOnly: true, tif: 'IOC' }), bounded).errors).toHaveProperty('postOnly');
    expect(validateOrder(form({ postOnly: true, type: 'market' }), bounded).errors).toHaveProperty('postOnly');
    expect(validateOrder(form(), { ...bounded, status: 'paused' }).errors).toEqual({
      market: 'The market is paused: it takes no new orders',
    });
  });
});

describe('exact decimals', () => {
  it('scales, compares and checks grids without floats', () => {
    expect(toScaled('1.25', 3)).toBe(1250n);
    expect(fromScaled(1250n, 3)).toBe('1.25');
    expect(fromScaled(-5n, 2)).toBe('-0.05');
    expect(onStep('0.3', '0.1')).toBe(true); // 0.3 / 0.1 is not an integer in floating point
    expect(onStep('0.35', '0.1')).toBe(false);
    expect(compareText('0.10', '0.1')).toBe(0);
    expect(() => toScaled('1e3', 2)).toThrow(RangeError);
  });
});
