/**
 * Go's `time.ParseDuration`, case for case: the table is Go's own (src/time/time_test.go,
 * parseDurationTests / parseDurationErrorTests), less the cases whose input is not valid UTF-8
 * (a JS string cannot hold those bytes).
 */
import { describe, expect, it } from 'vitest';
import { InvalidDurationError, goDurationMs, parseGoDuration } from '../../../src/api/go-duration.js';

const ns = 1n;
const us = 1000n * ns;
const ms = 1000n * us;
const s = 1000n * ms;
const m = 60n * s;
const h = 60n * m;
const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

const valid: Array<[string, bigint]> = [
  // simple
  ['0', 0n],
  ['5s', 5n * s],
  ['30s', 30n * s],
  ['1478s', 1478n * s],
  // sign
  ['-5s', -5n * s],
  ['+5s', 5n * s],
  ['-0', 0n],
  ['+0', 0n],
  // decimal
  ['5.0s', 5n * s],
  ['5.6s', 5n * s + 600n * ms],
  ['5.s', 5n * s],
  ['.5s', 500n * ms],
  ['1.0s', 1n * s],
  ['1.00s', 1n * s],
  ['1.004s', 1n * s + 4n * ms],
  ['1.0040s', 1n * s + 4n * ms],
  ['100.00100s', 100n * s + 1n * ms],
  // different units
  ['10ns', 10n * ns],
  ['11us', 11n * us],
  ['12µs', 12n * us], // U+00B5
  ['12μs', 12n * us], // U+03BC
  ['13ms', 13n * ms],
  ['14s', 14n * s],
  ['15m', 15n * m],
  ['16h', 16n * h],
  // composite durations
  ['3h30m', 3n * h + 30n * m],
  ['10.5s4m', 4n * m + 10n * s + 500n * ms],
  ['-2m3.4s', -(2n * m + 3n * s + 400n * ms)],
  ['1h2m3s4ms5us6ns', 1n * h + 2n * m + 3n * s + 4n * ms + 5n * us + 6n * ns],
  ['39h9m14.425s', 39n * h + 9n * m + 14n * s + 425n * ms],
  // large value
  ['52763797000ns', 52763797000n * ns],
  // more than 9 digits after decimal point, golang.org/issue/6617
  ['0.3333333333333333333h', 20n * m],
  // 1<<53+1 cannot be stored precisely in a float64
  ['9007199254740993ns', (1n << 53n) + 1n],
  // the int64 limits
  ['9223372036854775807ns', MAX],
  ['9223372036854775.807us', MAX],
  ['9223372036s854ms775us807ns', MAX],
  ['-9223372036854775808ns', MIN],
  ['-9223372036854775.808us', MIN],
  ['-9223372036s854ms775us808ns', MIN],
  // largest negative round trip value, golang.org/issue/48629
  ['-2562047h47m16.854775808s', MIN],
  // huge string; issue 15011
  ['0.100000000000000000000h', 6n * m],
  // the first overflow check in leadingFraction
  ['0.830103483285477580700h', 49n * m + 48n * s + 372539827n * ns],
  // what operators type
  ['1m30s', 90n * s],
  ['1.5h', 90n * m],
  ['300ms', 300n * ms],
];

const invalid: Array<[string, string]> = [
  ['', 'time: invalid duration ""'],
  ['3', 'time: missing unit in duration "3"'],
  ['10', 'time: missing unit in duration "10"'],
  ['-', 'time: invalid duration "-"'],
  ['s', 'time: invalid duration "s"'],
  ['.', 'time: invalid duration "."'],
  ['-.', 'time: invalid duration "-."'],
  ['.s', 'time: invalid duration ".s"'],
  ['+.s', 'time: invalid duration "+.s"'],
  ['x', 'time: invalid duration "x"'],
  ['1d', 'time: unknown unit "d" in duration "1d"'],
  ['1m30', 'time: missing unit in duration "1m30"'],
  [' 1s', 'time: invalid duration " 1s"'],
  ['\uFFFD', 'time: invalid duration "\\xef\\xbf\\xbd"'],
  ['\uFFFD hello \uFFFD world', 'time: invalid duration "\\xef\\xbf\\xbd hello \\xef\\xbf\\xbd world"'],
  ['1µ', 'time: unknown unit "\\xc2\\xb5" in duration "1\\xc2\\xb5"'],
  ['1"s', 'time: unknown unit "\\"s" in duration "1\\"s"'],
  // overflow
  ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
  ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
  ['9223372036854776us', 'time: invalid duration "9223372036854776us"'],
  ['3000000h', 'time: invalid duration "3000000h"'],
  ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
  ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
];

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it.each(valid)('%s', (text, want) => {
    expect(parseGoDuration(text)).toBe(want);
  });

  it.each(invalid)('rejects %j with Go\'s text', (text, message) => {
    let caught: unknown;
    try {
      parseGoDuration(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidDurationError);
    expect((caught as Error).message).toBe(message);
  });

  it('gives milliseconds for timers, sub-millisecond parts rounded up so a wait is never shorter', () => {
    expect(goDurationMs('1m30s')).toBe(90_000);
    expect(goDurationMs('1h2m3s4ms5us6ns')).toBe(3_723_005);
    expect(goDurationMs('0')).toBe(0);
    expect(goDurationMs('-1s')).toBe(-1000);
  });
});
