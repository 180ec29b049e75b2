// Rebuilds the non-streaming Messages answer that a recorded stream stands for, following Anthropic's
// documented accumulation rules (independent of the proxy's own stream code), so a test can ask the proxy
// for the same answer with and without streaming.

interface Block {
  type: string;
  [field: string]: unknown;
}

/** The whole message, or null for a stream that ended in an error or was cut off. */
export function messageFromStream(sse: Buffer): Record<string, any> | null {
  let message: Record<string, any> | null = null;
  const partialJson = new Map<number, string>();
  for (const part of sse.toString('utf8').split('\n\n')) {
    const dataLine = part.split('\n').find((line) => line.startsWith('data: '));
    if (!dataLine) continue;
    let event: any;
    try {
      event = JSON.parse(dataLine.slice('data: '.length));
    } catch {
      return null;
    }
    switch (event.type) {
      case 'message_start':
        message = structuredClone(event.message);
        message!.content = [];
        break;
      case 'content_block_start':
        message!.content[event.index] = structuredClone(event.content_block);
        break;
      case 'content_block_delta': {
        const block: Block = message!.content[event.index];
        const delta = event.delta;
        if (delta.type === 'text_delta') block.text = String(block.text ?? '') + delta.text;
        else if (delta.type === 'thinking_delta') block.thinking = String(block.thinking ?? '') + delta.thinking;
        else if (delta.type === 'signature_delta') block.signature = delta.signature;
        else if (delta.type === 'input_json_delta') partialJson.set(event.index, (partialJson.get(event.index) ?? '') + delta.partial_json);
        break;
      }
      case 'content_block_stop': {
        const json = partialJson.get(event.index);
        if (json !== undefined && json !== '') message!.content[event.index].input = JSON.parse(json);
        break;
      }
      case 'message_delta':
        message!.stop_reason = event.delta.stop_reason;
        message!.stop_sequence = event.delta.stop_sequence ?? null;
        if (event.usage) message!.usage = { ...(message!.usage ?? {}), ...event.usage };
        break;
      case 'message_stop':
        return message;
      case 'error':
        return null;
      default:
        break;
    }
  }
  return null;
}
