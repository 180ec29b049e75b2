// The test oracle that rebuilds whole messages from recorded streams.
import t from 'tap';
import { messageFromStream } from './anthropic-message.ts';
import { chatStreamFixtures } from './stream-fixtures.ts';

const byName = new Map(chatStreamFixtures().map((fixture) => [fixture.name, fixture.upstream]));

t.test('rebuilds text, tool input, thinking and usage; null for error and truncated streams', async (t) => {
  t.match(messageFromStream(byName.get('tool')!), {
    id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
    stop_reason: 'tool_use',
    usage: { input_tokens: 472, output_tokens: 89 },
    content: [
      { type: 'text', text: "Okay, let's check the weather for San Francisco, CA:" },
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } },
    ],
  });
  t.match(messageFromStream(byName.get('thinking')!), { content: [{ type: 'thinking', thinking: /^221 is odd/, signature: /^ErcB/ }, { type: 'text', text: 'No: 221 = 13 × 17.' }] });
  t.match(messageFromStream(byName.get('zai-usage')!), { usage: { input_tokens: 31, output_tokens: 9 } });
  t.strictSame(messageFromStream(byName.get('parallel-tools')!)?.content[3], { type: 'tool_use', id: 'toolu_01UtcClock9Zp', name: 'get_utc_time', input: {} });
  t.equal(messageFromStream(byName.get('error')!), null);
  t.equal(messageFromStream(byName.get('truncated')!), null);
});
