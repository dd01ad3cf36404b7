import { describe, expect, it } from 'vitest';
import { toApiError } from '@/api/client';
import { fieldError, formError } from './errors';
import { TRANSFER_CODES } from './TransfersPanel';
import { groupSteps } from './BookPanel';
import { minus } from './fmt';

const validation = toApiError(400, {
  error: {
    code: 'validation-failed',
    message: 'the request is invalid',
    fields: [{ field: 'amount', code: 'invalid-decimal', message: 'must be a positive decimal' }],
  },
});
const insufficient = toApiError(422, {
  error: { code: 'insufficient-balance', message: 'available balance 5 is less than 1000' },
});

describe('where a failed request is shown', () => {
  it('puts a field error, or a coded error that belongs to a field, next to that field', () => {
    expect(fieldError(validation, 'amount')).toBe('must be a positive decimal');
    expect(fieldError(validation, 'toAccountId')).toBeUndefined();
    expect(fieldError(insufficient, 'amount', TRANSFER_CODES)).toBe('available balance 5 is less than 1000');
    expect(fieldError(insufficient, 'amount')).toBeUndefined();
    expect(fieldError(new Error('x'), 'amount')).toBeUndefined();
  });

  it('shows the rest as one line with its code, and nothing when every error sits next to its field', () => {
    expect(formError(validation, ['amount'])).toBeNull();
    expect(formError(validation, ['toAccountId'])).toBe(
      'the request is invalid: amount must be a positive decimal (validation-failed)',
    );
    expect(formError(insufficient, [], TRANSFER_CODES)).toBeNull();
    expect(formError(insufficient)).toBe('available balance 5 is less than 1000 (insufficient-balance)');
    expect(formError(null)).toBeNull();
  });
});

describe('display helpers', () => {
  it('offers grouping steps of 1, 10 and 100 ticks and subtracts decimals exactly', () => {
    expect(groupSteps('0.01')).toEqual(['0.01', '0.1', '1']);
    expect(groupSteps('0.5')).toEqual(['0.5', '5', '50']);
    expect(minus('99.2', '97.4')).toBe('1.8'); // 1.8000000000000114 in floating point
    expect(minus('1', null)).toBeNull();
  });
});
