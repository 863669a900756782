// Test support only. `--query-log FILE`: every query the stand-in receives, appended as one JSON line
// {"query":…,"parameters":…}, so that tools outside the test suite can replay what mgbackup sent.
// Values that JSON cannot carry keep their type: integers are written as JSON integers of any size
// (bigint digits), floats always with a fraction or exponent (3.0), non-finite floats as
// {"$float":"NaN"|"Infinity"|"-Infinity"}, temporal/zoned/point/enum values as {"$type":…, …}.
import * as fs from 'node:fs';
import type { Value } from '../../src/graph/value.js';
import type { Engine } from './engine-api.js';

export function valueJson(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'number': {
      if (!Number.isFinite(v)) return `{"$float":"${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}"}`;
      const s = JSON.stringify(v);
      return /[.eE]/.test(s) ? s : Object.is(v, -0) ? '-0.0' : s + '.0';
    }
    case 'string': return JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map(valueJson).join(',') + ']';
  if (v instanceof Map) return '{' + [...v].map(([k, x]) => `${JSON.stringify(k)}:${valueJson(x)}`).join(',') + '}';
  switch (v.kind) {
    case 'temporal': return `{"$type":${JSON.stringify(v.type)},"micros":${v.micros}}`;
    case 'zoned': return `{"$type":"ZonedDateTime","micros":${v.micros},"zone":${JSON.stringify(v.zone)}}`;
    case 'point': return `{"$type":"Point","srid":${v.srid},"x":${valueJson(v.x)},"y":${valueJson(v.y)}${v.z === undefined ? '' : `,"z":${valueJson(v.z)}`}}`;
    case 'enum': return `{"$type":"Enum","type":${JSON.stringify(v.type)},"value":${JSON.stringify(v.value)}}`;
  }
}

export function queryLogLine(query: string, params: Record<string, Value>): string {
  return `{"query":${JSON.stringify(query)},"parameters":${valueJson(new Map(Object.entries(params)))}}\n`;
}

/** Makes `engine.run` append each query to `file` before running it; returns a closer. */
export function logQueries(engine: Engine, file: string): () => void {
  const fd = fs.openSync(file, 'a', 0o600);
  const run = engine.run.bind(engine);
  engine.run = (session, query, params) => {
    fs.writeSync(fd, queryLogLine(query, params));
    return run(session, query, params);
  };
  return () => fs.closeSync(fd);
}
