import { bodyFramingOk } from './body-framing';

describe('bodyFramingOk (request body framing checked before the binding decision)', () => {
  const te = (...values: string[]) => values.flatMap((v) => ['Transfer-Encoding', v]);

  it.each([
    [[]],
    [['Content-Length', '12']],
    [te('chunked')],
    [te('Chunked')],
    [te('gzip, chunked')],
    [te('gzip,chunked ')],
    [['transfer-encoding', 'chunked']],
    [[...te('gzip'), ...te('chunked')]],
  ])('accepts %j', (raw) => expect(bodyFramingOk(raw)).toBe(true));

  it.each([
    [te('identity')],
    [te('xchunked')],
    [te('chunked, identity')],
    [te('chunked;q=1')],
    [te('gzip')],
    [te('')],
    [[...te('chunked'), ...te('identity')]],
    [['TRANSFER-ENCODING', 'identity']],
  ])('refuses %j', (raw) => expect(bodyFramingOk(raw)).toBe(false));
});
