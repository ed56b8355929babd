import { describe, expect, it } from 'vitest';
import {
  decodeBundle,
  decodeMarkers,
  decodeRequest,
  decodeSlices,
  encodeBundle,
  encodeMarkers,
  encodeRequest,
  encodeSlices,
} from '../src/entity/protocol.ts';

describe('entity-events markers and the lookup wire', () => {
  it('markers round-trip; anything else is not markers', () => {
    const m = { p: 3, from: '10', next: '12', fields: ['destAccount'], newest: 1_700_000_000_000, appended: null };
    const other = { ...m, p: 0, from: '0', next: '1', newest: null, appended: 5 };
    expect(decodeMarkers(encodeMarkers([m, other]))).toEqual([m, other]);
    expect(decodeMarkers(Buffer.from('not json'))).toBeNull();
    expect(decodeMarkers(Buffer.from(JSON.stringify(m)))).toBeNull();
    expect(decodeMarkers(Buffer.from(JSON.stringify([{ ...m, next: 12 }])))).toBeNull();
    expect(decodeMarkers(Buffer.from(JSON.stringify([m, { ...m, fields: 'destAccount' }])))).toBeNull();
    expect(decodeMarkers(null)).toBeNull();
  });

  it('a bundle carries copies and markers; truncated or foreign bytes are not a bundle', () => {
    const m = { p: 1, from: '4', next: '9', fields: ['destAccount'], newest: 5, appended: 6 };
    const copies = [
      { field: 'destAccount', key: 'C1', value: Buffer.from([0, 0, 0, 0, 1, 2, 3]) },
      { field: 'terminalId', key: 'T-é', value: Buffer.alloc(0) },
    ];
    const b = encodeBundle([m], copies);
    expect(decodeBundle(b)).toEqual({ markers: [m], copies });
    expect(decodeBundle(encodeBundle([], []))).toEqual({ markers: [], copies: [] });
    expect(decodeBundle(b.subarray(0, b.length - 1))).toBeNull();
    expect(decodeBundle(Buffer.concat([b, Buffer.from([0])]))).toBeNull();
    expect(decodeBundle(Buffer.from('{"p":1}'))).toBeNull();
    expect(decodeBundle(null)).toBeNull();
  });

  it('a request round-trips, and a bad one says what is wrong', () => {
    const r = {
      spec: 'abc',
      partition: 2,
      t: 5,
      appendedBy: 4,
      waitMs: 100,
      keys: [{ store: 0, key: 'C1', tMin: 1, tMax: 5 }],
    };
    expect(decodeRequest(JSON.parse(encodeRequest(r)))).toEqual(r);
    expect(decodeRequest(JSON.parse(encodeRequest({ ...r, appendedBy: -Infinity })))).toMatchObject({
      appendedBy: -Infinity,
    });
    expect(decodeRequest({ ...JSON.parse(encodeRequest(r)), partition: -1 })).toMatch(/partition/);
    expect(decodeRequest({ ...JSON.parse(encodeRequest(r)), waitMs: 120_000 })).toMatch(/waitMs/);
    expect(decodeRequest({ ...JSON.parse(encodeRequest(r)), keys: [[0, 1, 2, 3]] })).toMatch(/tuples/);
    expect(decodeRequest(null)).toMatch(/object/);
  });

  it('slices keep NaN (a missing numeric column) and null strings; a wrong count is refused', () => {
    const slices = [{ nums: [1, NaN, 2.5], strs: ['tx-1', null] }, null];
    const back = decodeSlices(JSON.parse(encodeSlices('lagging', slices)), 2);
    expect(back.status).toBe('lagging');
    expect(back.slices[0]!.nums[1]).toBeNaN();
    expect(back.slices[0]).toEqual({ nums: [1, NaN, 2.5], strs: ['tx-1', null] });
    expect(back.slices[1]).toBeNull();
    expect(() => decodeSlices(JSON.parse(encodeSlices('ready', slices)), 3)).toThrow(/3 keys/);
  });
});
