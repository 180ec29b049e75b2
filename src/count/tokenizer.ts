// Loads the BPE tokenizer on first use: it costs ~40 MB and ~0.4 s, which a service that forwards
// count_tokens upstream may never need to pay.
import type { CountText } from './token-estimate.ts';

type TokenizerLoader = () => Promise<CountText>;

export function lazyTokenizer(): TokenizerLoader {
  let loading: Promise<CountText> | null = null;
  return () => {
    loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((encoding) => (text: string) => (text === '' ? 0 : encoding.countTokens(text)));
    return loading;
  };
}
