import { describe, expect, it } from 'vitest';
import { parseKeepingPrecision, writtenDecimals } from './jsonprecision';
import { readableFields } from './fhirview';

describe('parseKeepingPrecision', () => {
  it('parses exactly like JSON.parse', () => {
    const samples = [
      '{"a":1,"b":[true,false,null,"x\\"y\\u00e9\\n"],"c":{"d":-1.5e3,"e":[]},"f":{}}',
      '  [1, 2.50 , {"k": "v"}]  ',
      '"just a string"',
      '{\n  "resourceType": "Observation",\n  "valueQuantity": {\n    "value": 7.10\n  }\n}',
    ];
    for (const s of samples) expect(parseKeepingPrecision(s)).toEqual(JSON.parse(s));
  });
  it('rejects what JSON.parse rejects', () => {
    for (const bad of ['{', '{"a":}', '[1,]x', '{"a" 1}', '']) expect(() => parseKeepingPrecision(bad)).toThrow(SyntaxError);
  });
  it('remembers how many decimals each number was written with', () => {
    const o = parseKeepingPrecision('{"v": 7.10, "w": 3, "list": [0.500, 2]}') as { list: number[] };
    expect(writtenDecimals(o, 'v')).toBe(2);
    expect(writtenDecimals(o, 'w')).toBeUndefined();
    expect(writtenDecimals(o.list, 0)).toBe(3);
    expect(writtenDecimals(o.list, 1)).toBeUndefined();
  });
  it("shows a result at its source's precision, and float noise at 4 decimals", () => {
    const obs = (v: string) =>
      readableFields(
        parseKeepingPrecision(`{"resourceType":"Observation","valueQuantity":{"value":${v},"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}`),
        {},
        { locale: 'en-US' },
      ).find((f) => f.label === 'Result')?.value;
    expect(obs('7.10')).toBe('7.10 mmol/L');
    expect(obs('7')).toBe('7 mmol/L');
    expect(obs('98.28800000000001')).toBe('98.288 mmol/L');
  });
});
