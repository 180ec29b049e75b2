// Translation rules for the Responses translator tests (chat's defaults, web search off).
import { readFileSync } from 'node:fs';
import type { ResponsesTranslationRules } from '../../../src/translate/openai-responses/request.ts';
import { translateResponsesRequest } from '../../../src/translate/openai-responses/request.ts';
import type { ResponsesRequest } from '../../../src/wire/openai-responses.ts';
import { RULES } from '../openai-chat/rules.ts';

export { failure } from '../openai-chat/rules.ts';

export const RESPONSES_RULES: ResponsesTranslationRules = { ...RULES, webSearch: false };

/** Translates a request whose input needs no stored state. */
export function translate(request: ResponsesRequest, rules: Partial<ResponsesTranslationRules> = {}) {
  return translateResponsesRequest(request, request.input ?? [], { ...RESPONSES_RULES, ...rules });
}

/** Request `index` of a recorded client fixture (test/fixtures/clients/responses-<name>.json, written by the client suite). */
export function clientRequest(name: string, index: number): ResponsesRequest & Record<string, any> {
  const fixture = JSON.parse(readFileSync(new URL(`../../fixtures/clients/responses-${name}.json`, import.meta.url), 'utf8'));
  return fixture.requests[index].body;
}
