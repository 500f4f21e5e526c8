/**
 * Configuration values read the way GoTrue reads its environment (kelseyhightower/envconfig over
 * Go's strconv and time packages), so a GoTrue container's settings mean here what they mean
 * there. Each parser throws a RangeError whose message says what was expected.
 */

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** strconv.ParseBool. */
export function goBool(value: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new RangeError("expected true or false");
}

/** strconv.ParseInt / ParseUint in base 10 (what every GoTrue integer setting is written in). */
export function goInt(value: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[+-]?\d{1,15}$/.test(value)) throw new RangeError("expected an integer");
  const n = Number(value);
  if (n < min || n > max) throw new RangeError(`expected an integer from ${min} to ${max}`);
  return n;
}

/** strconv.ParseFloat for the plain decimal forms. */
export function goFloat(value: string, min = 0): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) throw new RangeError("expected a number");
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new RangeError(`expected a number of at least ${min}`);
  return n;
}

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * time.ParseDuration, in seconds: "300s", "1m30s", "1.5h", "0". A bare number other than 0
 * has no unit and is refused, as Go refuses it ("missing unit in duration").
 */
export function goDuration(value: string): number {
  if (value === "0" || value === "+0" || value === "-0") return 0;
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(value);
  if (!m) {
    throw new RangeError(
      /^[+-]?\d+(\.\d*)?$/.test(value)
        ? 'a duration needs a unit, e.g. "60s" or "1m" (Go time.ParseDuration)'
        : 'expected a duration such as "60s", "5m" or "1h"',
    );
  }
  let seconds = 0;
  for (const part of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    seconds += Number(part[1]) * UNIT_SECONDS[part[2]!]!;
  }
  return m[1] === "-" ? -seconds : seconds;
}

/** envconfig's []string: comma-separated, nothing trimmed; an empty value is an empty list. */
export function goList(value: string): string[] {
  return value.trim() === "" ? [] : value.split(",");
}

/** GoTrue's conf.Rate: "N" (events per hour) or "N/duration". */
export interface GoRate {
  events: number;
  perSeconds: number;
}

export function goRate(value: string): GoRate {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return { events: Number(value), perSeconds: 3600 };
  const parts = value.split("/");
  if (parts.length !== 2 || !/^\d{1,15}$/.test(parts[0]!)) {
    throw new RangeError('expected a rate: a number of events per hour, or "N/duration" such as "10/5m"');
  }
  return { events: Number(parts[0]), perSeconds: goDuration(parts[1]!) };
}
