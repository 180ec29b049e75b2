// The stream mask: whatever the chunking, the client's bytes are the transform's bytes with every
// occurrence of the secret replaced, and no piece of the secret goes out before it is known not to be it.
import fc from 'fast-check';
import t from 'tap';
import { MASKED, SecretMaskingTransform, maskSecret } from '../../src/stream/secret-mask.ts';
import type { StreamTransform } from '../../src/stream/stream-transform.ts';
import { ProxyError } from '../../src/errors.ts';

/** The identity transform, as the passthrough's: bytes out as they came, in strings or in Buffers. */
function identity(asString: boolean): StreamTransform {
  let finished = false;
  return {
    push: (chunk) => (asString ? chunk.toString('latin1') : chunk),
    end: () => ((finished = true), ''),
    fail: (error) => ((finished = true), `failed: ${error.message}`),
    get finished() { return finished; },
    failure: null,
    usage: null,
  };
}

const secret = 'sk-secret-XYZ';

t.test('any text cut anywhere: the secret masked, everything else unchanged (property)', async (t) => {
  const text = fc.array(fc.oneof(fc.constant(secret), fc.constant('sk-'), fc.constant('sk-secret'), fc.string({ unit: fc.constantFrom('s', 'k', '-', 'x', '\n') , maxLength: 6 })), { maxLength: 12 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (input, cuts, asString) => {
      const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
      const pieces = [0, ...points, input.length].slice(1).map((end, i, ends) => input.slice(i === 0 ? 0 : ends[i - 1], end));
      const mask = new SecretMaskingTransform(identity(asString), secret);
      const out: string[] = [];
      for (const piece of pieces) out.push(Buffer.from(mask.push(Buffer.from(piece, 'latin1'))).toString('latin1'));
      out.push(Buffer.from(mask.end()).toString('latin1'));
      // Every piece sent so far, joined, never ends inside an occurrence: checked by the whole.
      return out.join('') === input.replaceAll(secret, MASKED) && out.every((piece) => !piece.includes(secret));
    }),
    { numRuns: 500 },
  );
  t.pass('500 generated streams');
});

t.test('a held piece is let go as soon as it is clearly not the secret, and on fail', async (t) => {
  const mask = new SecretMaskingTransform(identity(false), secret);
  t.equal(String(mask.push(Buffer.from('data: sk-'))), 'data: ', 'the possible start of the secret is held');
  t.equal(String(mask.push(Buffer.from('nope\n\n'))), 'sk-nope\n\n', 'and sent with what shows it is not');
  t.equal(String(mask.push(Buffer.from('sk-sec'))), '');
  t.equal(String(mask.fail(new ProxyError('upstream_broken', 'gone'))), 'sk-secfailed: gone');
});

t.test('maskSecret on whole bodies, strings and bytes', async (t) => {
  t.equal(maskSecret(`a ${secret} b ${secret}`, secret), `a ${MASKED} b ${MASKED}`);
  t.equal(maskSecret(Buffer.from(`{"m":"${secret}"}`), secret).toString(), `{"m":"${MASKED}"}`);
  const untouched = Buffer.from('nothing here');
  t.equal(maskSecret(untouched, secret), untouched, 'no copy when there is nothing to mask');
});
