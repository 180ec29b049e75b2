// Recorded Anthropic streams (test/fixtures/anthropic/) and the Responses event sequences they must become
// (test/fixtures/openai-responses/), plus the fixed options the translator runs with for them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { responseEcho } from '../../src/translate/openai-responses/echo.ts';
import type { ResponsesSseOptions } from '../../src/translate/openai-responses/sse-translator.ts';
import type { ClientTool } from '../../src/translate/openai-responses/tools.ts';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;

export const FIXTURE_RESPONSE_ID = `resp_${'0123456789abcdef'.repeat(2)}`;
export const FIXTURE_CREATED_AT = 1700000000;

export interface ResponsesStreamFixture {
  name: string;
  upstream: Buffer;
  upstreamFile: string;
  responseFormatTool: string | null;
  /** Anthropic tool names that stand for custom tools of the request. */
  customTools: string[];
  /** How the stream ends: its last event's type. */
  end: 'response.completed' | 'response.incomplete' | 'response.failed';
  events: any[];
}

export function responsesStreamFixtures(): ResponsesStreamFixture[] {
  const dir = join(fixtures, 'openai-responses');
  return readdirSync(dir)
    .filter((file) => file.startsWith('responses-stream-') && file.endsWith('.json'))
    .sort()
    .map((file) => {
      const expected = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return {
        name: file.slice('responses-stream-'.length, -'.json'.length),
        upstream: readFileSync(join(fixtures, 'anthropic', expected.upstream)),
        upstreamFile: expected.upstream,
        responseFormatTool: expected.responseFormatTool,
        customTools: expected.customTools,
        end: expected.end,
        events: expected.events,
      };
    });
}

export function fixtureOptions(fixture: Pick<ResponsesStreamFixture, 'responseFormatTool' | 'customTools'>): ResponsesSseOptions {
  const tools = new Map<string, ClientTool>(fixture.customTools.map((name) => [name, { name, kind: 'custom' }]));
  return {
    responseId: FIXTURE_RESPONSE_ID,
    createdAt: FIXTURE_CREATED_AT,
    echo: responseEcho({}),
    fallbackModel: 'fallback-model',
    responseFormatTool: fixture.responseFormatTool,
    toolsByUpstreamName: tools,
  };
}

/**
 * Parses what a Responses client received, strictly: `event: <type>` then `data: <json>` per event, blank
 * lines between, the event name equal to data.type, no `[DONE]`.
 */
export function parseResponsesSse(text: string): any[] {
  const events: any[] = [];
  if (text === '') return events;
  if (!text.endsWith('\n\n')) throw new Error(`the stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  for (const block of text.slice(0, -2).split('\n\n')) {
    const lines = block.split('\n');
    if (lines.length !== 2 || !lines[0].startsWith('event: ') || !lines[1].startsWith('data: ')) throw new Error(`not an event: and a data: line: ${JSON.stringify(block.slice(0, 200))}`);
    const data = JSON.parse(lines[1].slice('data: '.length));
    if (data.type !== lines[0].slice('event: '.length)) throw new Error(`event name ${lines[0]} differs from data.type ${data.type}`);
    events.push(data);
  }
  return events;
}
